// The only door to the user's files. Every path is relative to the repository root and must stay
// inside it after symlinks are resolved; only regular files are opened; sizes and counts are
// bounded, per file and for the repository as a whole. A refused file is never opened, so its
// content can never be echoed.
import { closeSync, constants, fstatSync, lstatSync, openSync, opendirSync, readSync, realpathSync, statSync, type Dir } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { UserError } from '../errors.ts';
import type { Limits } from './limits.ts';
import { structureProblem, yamlStructureCount } from './yaml-precheck.ts';

// The C library's realpath: one system call per path instead of an lstat per path component.
const realpath = realpathSync.native;

export interface Repository {
  /** absolute, symlink-free root */
  readonly root: string;
  /** text of a file, or undefined when it does not exist (YAML goes through readYaml, which counts it) */
  read(rel: string): string | undefined;
  /**
   * text of a YAML file and its structure count (yaml-precheck.ts), counted once here for the
   * repository's total and handed on for the file's own limit; undefined when it does not exist
   */
  readYaml(rel: string): YamlText | undefined;
  /** file names in a folder matching a suffix, sorted; [] when the folder does not exist */
  list(folder: string, suffix: string): string[];
}

export interface YamlText {
  text: string;
  structure: number;
}

const INSIDE_HINT = 'every file the plugin reads must be inside the repository (no "..", absolute paths or symlinks leading out)';

/** A path for a message: quoted, control characters escaped, never longer than 200 characters. */
function shown(rel: string): string {
  const q = JSON.stringify(rel);
  return q.length > 200 ? `${q.slice(0, 197)}..."` : q;
}

function refuse(rel: string, why: string, hint = INSIDE_HINT): UserError {
  return new UserError({
    pos: { file: JSON.stringify(rel).slice(1, -1).slice(0, 200), line: 1, column: 1 },
    message: `refusing to read ${shown(rel)}: ${why}`,
    hint,
  });
}

const ERRNO_WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'a symlink loop (or O_NOFOLLOW met a symlink)',
  ENOTDIR: 'a part of the path is not a folder',
  ENAMETOOLONG: 'the path is too long',
  EISDIR: 'it is a folder',
  EMFILE: 'too many open files',
  EIO: 'an input/output error',
};

function errnoWhy(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code ? `${ERRNO_WORDS[code] ?? 'unreadable'} (${code})` : 'unreadable';
}

export function checkRelative(rel: string): void {
  if (rel.includes('\0')) throw refuse(rel, 'NUL byte in path');
  if (isAbsolute(rel) || /^[A-Za-z]:/.test(rel) || rel.startsWith('\\')) throw refuse(rel, 'absolute path');
  if (rel.split(/[\\/]/).includes('..')) throw refuse(rel, '".." leaves the repository');
}

export function openRepository(dir: string, limits: Limits): Repository {
  let root: string;
  try {
    root = realpath(dir);
    if (!statSync(root).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new UserError({ message: `repository folder ${shown(dir)} does not exist or is not a folder`, hint: 'pass --dir <path to the folder holding platform.yaml>' });
  }

  // Per repository, never shared: what has been read so far.
  let totalBytes = 0;
  let totalNodes = 0;

  const resolveInside = (rel: string): string | undefined => {
    checkRelative(rel);
    const path = join(root, rel);
    let real: string;
    try {
      real = realpath(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw refuse(rel, errnoWhy(e));
      // Missing, or a symlink to something missing (perhaps outside): say which.
      let dangling = false;
      try {
        dangling = lstatSync(path).isSymbolicLink();
      } catch {
        /* really missing */
      }
      if (dangling) throw refuse(rel, 'it is a symlink to a file that does not exist (or lies outside the repository)');
      return undefined;
    }
    const r = relative(root, real);
    if (r === '..' || r.startsWith('..' + sep) || isAbsolute(r)) throw refuse(rel, 'it resolves (through a symlink) outside the repository');
    return real;
  };

  const repository: Repository = {
    root,
    read(rel) {
      const real = resolveInside(rel);
      if (!real) return undefined;
      // Look before opening: a FIFO or a device would block or never end.
      let st;
      try {
        st = statSync(real);
      } catch (e) {
        throw refuse(rel, errnoWhy(e));
      }
      if (!st.isFile()) throw refuse(rel, st.isDirectory() ? 'it is a folder, not a file' : 'not a regular file', 'policy files are regular files');
      const tooBig = (size: number) =>
        new UserError({
          pos: { file: rel, line: 1, column: 1 },
          message: `file is ${size} bytes, over the limit of ${limits.maxFileBytes}`,
          hint: 'policy files are small; split or trim it (docs/limits.md)',
        });
      if (st.size > limits.maxFileBytes) throw tooBig(st.size);
      let fd: number;
      try {
        // O_NOFOLLOW: `real` has no symlinks; if one appeared since, refuse rather than follow it.
        fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      } catch (e) {
        throw refuse(rel, errnoWhy(e));
      }
      let text: string;
      let bytes = 0;
      try {
        const fst = fstatSync(fd);
        if (!fst.isFile()) throw refuse(rel, 'not a regular file', 'policy files are regular files');
        if (fst.size > limits.maxFileBytes) throw tooBig(fst.size);
        // Read at most the limit plus one byte, whatever the size said: a file growing meanwhile
        // is still caught.
        const buf = Buffer.alloc(Math.min(fst.size, limits.maxFileBytes) + 1);
        let off = 0;
        for (;;) {
          const n = readSync(fd, buf, off, buf.length - off, off);
          if (n === 0) break;
          off += n;
          if (off === buf.length) break;
        }
        if (off > limits.maxFileBytes) throw tooBig(off);
        bytes = off;
        text = buf.subarray(0, off).toString('utf8');
      } catch (e) {
        if (e instanceof UserError) throw e;
        throw refuse(rel, errnoWhy(e));
      } finally {
        closeSync(fd);
      }
      totalBytes += bytes;
      if (totalBytes > limits.maxTotalBytes) {
        throw new UserError({
          pos: { file: rel, line: 1, column: 1 },
          message: `the repository's files add up to more than ${limits.maxTotalBytes} bytes`,
          hint: 'policy repositories are small; split the platform or trim it (docs/limits.md)',
        });
      }
      return text;
    },
    readYaml(rel) {
      const text = repository.read(rel);
      if (text === undefined) return undefined;
      const structure = yamlStructureCount(text);
      totalNodes += structure;
      if (totalNodes > limits.maxTotalNodes) throw structureProblem(rel, totalNodes, limits.maxTotalNodes, 'repository');
      return { text, structure };
    },
    list(folder, suffix) {
      const real = resolveInside(folder);
      if (!real) return [];
      let dir: Dir;
      try {
        if (!statSync(real).isDirectory()) throw refuse(folder, 'not a folder');
        dir = opendirSync(real);
      } catch (e) {
        if (e instanceof UserError) throw e;
        throw refuse(folder, errnoWhy(e));
      }
      // Streamed, so a folder of a million entries is refused without listing it all.
      const names: string[] = [];
      let entries = 0;
      try {
        for (let d = dir.readSync(); d !== null; d = dir.readSync()) {
          if (++entries > limits.maxFilesPerFolder) {
            throw new UserError({
              pos: { file: folder, line: 1, column: 1 },
              message: `more than ${limits.maxFilesPerFolder} entries in ${folder}/`,
              hint: 'split the repository (docs/limits.md)',
            });
          }
          if (d.name.endsWith(suffix)) names.push(d.name);
        }
      } catch (e) {
        if (e instanceof UserError) throw e;
        throw refuse(folder, errnoWhy(e));
      } finally {
        dir.closeSync();
      }
      return names.sort();
    },
  };
  return repository;
}
