// The only door to the user's files. Every path is relative to the repository root and must stay
// inside it after symlinks are resolved; sizes and counts are bounded. Content of a refused file
// is never read, so it can never be echoed.
import { closeSync, fstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { UserError } from '../errors.ts';
import type { Limits } from './limits.ts';

export interface Repository {
  /** absolute, symlink-free root */
  readonly root: string;
  /** text of a file, or undefined when it does not exist */
  read(rel: string): string | undefined;
  /** file names in a folder matching a suffix, sorted; [] when the folder does not exist */
  list(folder: string, suffix: string): string[];
}

function refuse(rel: string, why: string): UserError {
  return new UserError({
    pos: { file: rel, line: 1, column: 1 },
    message: `refusing to read ${JSON.stringify(rel)}: ${why}`,
    hint: 'every file the plugin reads must be inside the repository (no "..", absolute paths or symlinks leading out)',
  });
}

export function checkRelative(rel: string): void {
  if (rel.includes('\0')) throw refuse(rel.replace(/\0/g, '\\0'), 'NUL byte in path');
  if (isAbsolute(rel) || /^[A-Za-z]:/.test(rel)) throw refuse(rel, 'absolute path');
  if (rel.split(/[\\/]/).includes('..')) throw refuse(rel, '".." leaves the repository');
}

export function openRepository(dir: string, limits: Limits): Repository {
  let root: string;
  try {
    root = realpathSync(dir);
    if (!statSync(root).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new UserError({ message: `repository folder ${JSON.stringify(dir)} does not exist or is not a folder`, hint: 'pass --dir <path to the folder holding platform.yaml>' });
  }

  const resolveInside = (rel: string): string | undefined => {
    checkRelative(rel);
    let real: string;
    try {
      real = realpathSync(join(root, rel));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw refuse(rel, (e as NodeJS.ErrnoException).code ?? 'unreadable');
    }
    const r = relative(root, real);
    if (r === '..' || r.startsWith('..' + sep) || isAbsolute(r)) throw refuse(rel, 'it resolves (through a symlink) outside the repository');
    return real;
  };

  return {
    root,
    read(rel) {
      const real = resolveInside(rel);
      if (!real) return undefined;
      const fd = openSync(real, 'r');
      try {
        const st = fstatSync(fd);
        if (!st.isFile()) throw refuse(rel, 'not a regular file');
        if (st.size > limits.maxFileBytes) {
          throw new UserError({
            pos: { file: rel, line: 1, column: 1 },
            message: `file is ${st.size} bytes, over the limit of ${limits.maxFileBytes}`,
            hint: 'policy files are small; split or trim it (docs/limits.md)',
          });
        }
        const buf = Buffer.alloc(st.size);
        let off = 0;
        while (off < st.size) {
          const n = readSync(fd, buf, off, st.size - off, off);
          if (n === 0) break;
          off += n;
        }
        return buf.subarray(0, off).toString('utf8');
      } finally {
        closeSync(fd);
      }
    },
    list(folder, suffix) {
      const real = resolveInside(folder);
      if (!real) return [];
      if (!statSync(real).isDirectory()) throw refuse(folder, 'not a folder');
      const names = readdirSync(real).filter((n) => n.endsWith(suffix)).sort();
      if (names.length > limits.maxFilesPerFolder) {
        throw new UserError({
          pos: { file: folder, line: 1, column: 1 },
          message: `${names.length} files in ${folder}/, over the limit of ${limits.maxFilesPerFolder}`,
          hint: 'split the repository (docs/limits.md)',
        });
      }
      return names;
    },
  };
}
