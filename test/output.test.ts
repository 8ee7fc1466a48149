// How the executable writes: the whole bundle on stdout, or a failed request that says why. The
// CLI writes to file descriptors 1 and 2 directly (plugin/cli/fd-output.ts), not through Node's
// stdout stream, so these cases are its own to get right.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeAll } from '../plugin/cli/fd-output.ts';
import { CLI, cli, PRACTICUS, tempRepo, WARNED_PLATFORM } from './helpers/cli.ts';

const scratch = mkdtempSync(join(tmpdir(), 'pb-output-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

// A render that succeeds with a warning (a CIDR with host bits set).
const warned = tempRepo({ 'platform.yaml': WARNED_PLATFORM });

describe('output of the executable', () => {
  it('fails with exit 2, saying so, when the reader of stdout goes away (EPIPE)', async () => {
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(CLI, ['render', '--env', 'prod'], { cwd: PRACTICUS, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy(); // the reader is gone before the bundle is written
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'policy-bundle: cannot write the output: EPIPE\n');
  });

  it('fails with exit 2, saying so, when stdout cannot take the bundle (a full disk)', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(CLI, ['render', '--env', 'prod'], { cwd: PRACTICUS, env: ENV, stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
      assert.equal(r.status, 2);
      assert.equal(r.stderr, 'policy-bundle: cannot write the output: ENOSPC\n');
    } finally {
      closeSync(full);
    }
  });

  it('colours findings on a terminal only', async () => {
    // `script` runs the command on a pseudo-terminal and copies what it prints.
    const tty = spawnSync('script', ['-qec', `${CLI} render --env prod --dir ${warned}`, '/dev/null'], { env: ENV, encoding: 'utf8' });
    assert.equal(tty.status, 0, tty.stdout);
    assert.match(tty.stdout, /platform\.yaml:23:12: \x1b\[33mwarning\x1b\[0m PB132/);
    const piped = spawnSync(CLI, ['render', '--env', 'prod', '--dir', warned], { env: ENV, encoding: 'utf8' });
    assert.equal(piped.status, 0, piped.stderr);
    assert.match(piped.stderr, /^platform\.yaml:23:12: warning PB132/m);
    assert.equal(piped.stdout, (await cli(['render', '--env', 'prod', '--dir', warned])).stdout);
  });

  it('writes everything through a non-blocking pipe that fills up (waits for the reader instead of failing)', async () => {
    // A descriptor can come in non-blocking mode (a parent set O_NONBLOCK on a shared pipe): a
    // full pipe then refuses writes with EAGAIN. 4 MiB is many times a pipe's buffer.
    const fifo = join(scratch, 'fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const copy = join(scratch, 'copy');
    const reader = spawn('sh', ['-c', `cat "${fifo}" > "${copy}"`], { stdio: 'ignore' });
    const readerDone = new Promise((resolve) => reader.on('close', resolve));
    // Opening the write end waits for the reader to open its end; retry until it has.
    let fd = -1;
    for (let i = 0; fd < 0; i++) {
      try {
        fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENXIO' || i > 500) throw e;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    const text = 'x'.repeat(1023) + '\n';
    try {
      writeAll(fd, text.repeat(4096));
    } finally {
      closeSync(fd); // the reader sees the end either way, so the test cannot hang
    }
    await readerDone;
    assert.equal(statSync(copy).size, 4 * 1024 * 1024);
    assert.equal(readFileSync(copy, 'utf8'), text.repeat(4096));
  });
});
