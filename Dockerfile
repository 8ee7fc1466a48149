# policy-bundle: the Argo CD config-management-plugin sidecar image.
#
#   docker build -t policy-bundle .            (CI: ../shared/tools/build-image.sh, see test/image.test.ts)
#
# The container is started by Argo CD as a sidecar of argocd-repo-server (deploy/component or
# deploy/helm): its ENTRYPOINT, argocd-cmp-server, is copied into the shared `var-files` volume by
# the repo-server's init container, so it does not exist in this image. To run the CLI by hand:
#
#   docker run --rm --entrypoint policy-bundle policy-bundle render --env prod --dir /opt/policy-bundle/examples/practicus
#
# Nothing is downloaded outside npm: the base image brings node, `npm ci` pins every package by
# package-lock.json (with integrity hashes). A release build pins the base too, by digest:
#   --build-arg BASE=node:24-slim@sha256:<digest>
ARG BASE=node:24-slim

# ---- build: install all dependencies, bundle the CLI -----------------------------------------
FROM ${BASE} AS build
WORKDIR /src
# Dependencies first, so that editing sources does not re-run `npm ci`.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Produces dist/: the launcher policy-bundle; policy-bundle-sea, a single executable (a copy of this
# image's node carrying the CLI's start-up snapshot, ~130 MB); and the plain bundle
# policy-bundle.mjs (+ chunks/) for when NODE_OPTIONS is set. Every runtime dependency is bundled
# and the built-in environments/ and templates/ are embedded. --require-lean-snapshot fails the
# build rather than keep Node's code cache of its built-in modules in the snapshot, which would
# make every call start slower (a Node whose snapshot layout scripts/snapshot-blob.mjs does not know).
RUN npm run build -- --require-lean-snapshot

# ---- runtime: node + dist/ only ---------------------------------------------------------------
FROM ${BASE}
# The CLI starts from its V8 start-up snapshot (in dist/policy-bundle-sea): nothing is compiled at
# run time, so no compile cache is kept. Leave NODE_OPTIONS unset: with it, the launcher runs the
# plain bundle instead (docs/performance.md).
ENV NODE_ENV=production

# uid 999 is what argocd-cmp-server expects (another uid gets "permission denied" on the socket in
# the shared `plugins` volume). A passwd entry gives it a name and a HOME for tools that ask.
RUN set -e; \
    getent group 999 >/dev/null || groupadd --system --gid 999 argocd; \
    getent passwd 999 >/dev/null || useradd --system --uid 999 --gid 999 --home-dir /home/argocd \
      --no-create-home --shell /usr/sbin/nologin argocd; \
    mkdir -p /home/argocd/cmp-server/config /home/argocd/cmp-server/plugins; \
    chown 999:999 /home/argocd /home/argocd/cmp-server/plugins

WORKDIR /opt/policy-bundle
# Owned by root and not writable by uid 999: the plugin cannot alter its own code.
COPY --from=build /src/dist/ ./dist/
# The example repository, for `render` by hand and the smoke test below.
COPY examples/ ./examples/
# Where argocd-cmp-server reads its configuration.
COPY plugin.yaml /home/argocd/cmp-server/config/plugin.yaml
RUN chmod 0755 dist/policy-bundle dist/policy-bundle-sea dist/policy-bundle.mjs \
 && ln -s /opt/policy-bundle/dist/policy-bundle /usr/local/bin/policy-bundle
# argocd-cmp-server finds `policy-bundle` on PATH: dist/ first, so that the launcher runs as itself.
# Through the symbolic link in /usr/local/bin (kept for whoever names that path), the launcher
# must first resolve it with `readlink -f`, a process of its own: ~1.7 ms more per call
# (docs/performance.md).
ENV PATH=/opt/policy-bundle/dist:$PATH

# Smoke test as uid 999, through every command the CMP server runs: fails the build if dist/ cannot
# render the example without node_modules, if there is no single executable (the launcher would
# run the plain bundle, slower), or if the launcher says it ran without the start-up snapshot.
USER 999
RUN set -e; test -x dist/policy-bundle-sea; cd examples/practicus; \
    policy-bundle --help >/dev/null; \
    policy-bundle parameters >/dev/null 2>/tmp/stderr; \
    for env in dev staging prod; do policy-bundle render --env "$env" >/dev/null 2>>/tmp/stderr; done; \
    ARGOCD_APP_PARAMETERS='[{"name":"environment","string":"prod"}]' policy-bundle generate >/dev/null 2>>/tmp/stderr; \
    if grep -q 'start-up snapshot' /tmp/stderr; then cat /tmp/stderr >&2; exit 1; fi; \
    rm -f /tmp/stderr

# The CMP server changes into each request's own copy of the repository (under /tmp); this is only
# the directory a shell or `docker run` starts in.
WORKDIR /home/argocd
ENTRYPOINT ["/var/run/argocd/argocd-cmp-server"]
