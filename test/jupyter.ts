/** A classic Jupyter Notebook server for the browser tests, on 127.0.0.1 with a token. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Starts `python -m notebook` on `port` serving the project root (quick mode); resolves when it answers. */
export async function startJupyter(python: string, port: number, token: string): Promise<ChildProcess> {
  const server = spawn(
    python,
    ['-m', 'notebook', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, `--NotebookApp.token=${token}`, `--notebook-dir=${root}`, '--allow-root', '--NotebookApp.open_browser=False'],
    { env: { ...process.env, VAE_QUICK: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  server.stderr!.on('data', (d) => (log += d));
  for (let i = 0; i < 120; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/status?token=${token}`);
      if (r.ok) return server;
    } catch {
      // not up yet
    }
    if (server.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  server.kill();
  throw new Error(`O servidor Jupyter Notebook não subiu na porta ${port}:\n${log.slice(-2000)}`);
}

