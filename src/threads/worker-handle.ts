/**
 * One worker thread that answers one request at a time (the training and encoding pools): its next
 * answer is a promise; an error message, a crash or a non-zero exit rejects it — and every later
 * call — with a Portuguese TrainingError naming the thread's role.
 */
import type { Worker } from 'node:worker_threads';
import { TrainingError } from '../errors';

/** The answer a worker sends when its request failed. */
export interface WorkerErrorMessage {
  type: 'error';
  message: string;
}

export class WorkerHandle<In, Out extends { type: string }> {
  private pending: { resolve: (m: Out) => void; reject: (e: Error) => void } | null = null;
  private failed: Error | null = null;

  /** `role` completes "thread …" in the messages, e.g. 'de treino'. */
  constructor(
    readonly worker: Worker,
    role: string,
  ) {
    worker.on('message', (m: Out | WorkerErrorMessage) => {
      const p = this.pending;
      this.pending = null;
      if (m.type === 'error') {
        this.failed = new TrainingError(`Erro numa thread ${role}: ${(m as WorkerErrorMessage).message}`);
        p?.reject(this.failed);
      } else p?.resolve(m as Out);
    });
    worker.on('error', (err) => {
      this.failed = new TrainingError(`Uma thread ${role} falhou: ${err.message}`, { cause: err });
      this.pending?.reject(this.failed);
      this.pending = null;
    });
    worker.on('exit', (code) => {
      if (code !== 0 && !this.failed) {
        this.failed = new TrainingError(`Uma thread ${role} terminou com código ${code}.`);
        this.pending?.reject(this.failed);
        this.pending = null;
      }
    });
  }

  /** Sends a message (throws if the thread already failed). */
  send(msg: In, transfer: ArrayBuffer[] = []): void {
    if (this.failed) throw this.failed;
    this.worker.postMessage(msg, transfer);
  }

  /** The thread's next answer. */
  reply(): Promise<Out> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }

  /** Asks the thread to exit (if it still can), then terminates it. */
  async stop(exitMessage: In): Promise<void> {
    try {
      this.send(exitMessage);
    } catch {
      // already failed
    }
    await this.worker.terminate();
  }
}
