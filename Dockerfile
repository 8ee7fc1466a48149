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
# Produces dist/policy-bundle.mjs (+ dist/chunks/): every runtime dependency bundled, built-in
# environments/ and templates/ embedded.
RUN npm run build

# ---- runtime: node + dist/ only ---------------------------------------------------------------
FROM ${BASE}
# NODE_COMPILE_CACHE: Node >= 22.1 module compile cache (V8 code cache on disk), warmed below. Node
# keeps it in a subdirectory named after its version, V8's cache tag and the uid, so it is warmed as
# uid 999, the uid the sidecar runs as. At run time the root filesystem is read-only: Node reads the
# warm entries and silently skips writing (another uid or other V8 flags only mean a cold start,
# never an error). Not under /tmp: that is an emptyDir at run time, where the cache would be lost.
ENV NODE_ENV=production \
    NODE_COMPILE_CACHE=/opt/policy-bundle/compile-cache

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
# The example repository, for `render` by hand and as the compile-cache warm-up below.
COPY examples/ ./examples/
# Where argocd-cmp-server reads its configuration.
COPY plugin.yaml /home/argocd/cmp-server/config/plugin.yaml
RUN chmod 0755 dist/policy-bundle.mjs \
 && ln -s /opt/policy-bundle/dist/policy-bundle.mjs /usr/local/bin/policy-bundle \
 && mkdir compile-cache && chown 999:999 compile-cache

# Warm the compile cache as uid 999, through every command the CMP server runs; this also fails
# the build if the bundled CLI cannot render the example (a smoke test of dist/ without node_modules).
USER 999
RUN set -e; cd examples/practicus; \
    policy-bundle --help >/dev/null; \
    policy-bundle parameters >/dev/null; \
    for env in dev staging prod; do policy-bundle render --env "$env" >/dev/null; done; \
    ARGOCD_APP_PARAMETERS='[{"name":"environment","string":"prod"}]' policy-bundle generate >/dev/null
# Node writes cache files 0600: hand them to root, readable by all and writable by none.
USER root
RUN chown -R root:root compile-cache && chmod -R a+rX,a-w compile-cache

USER 999
# The CMP server changes into each request's own copy of the repository (under /tmp); this is only
# the directory a shell or `docker run` starts in.
WORKDIR /home/argocd
ENTRYPOINT ["/var/run/argocd/argocd-cmp-server"]
