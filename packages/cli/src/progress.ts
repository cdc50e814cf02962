import { SingleBar } from 'cli-progress';

/** Values shown on the progress line. */
export interface ProgressValues {
  readonly step: number;
  readonly loss: number;
  readonly learningRate: number;
  readonly tokensPerSecond: number;
}

/**
 * Training progress: a live cli-progress bar on a terminal, and one plain line every
 * `logEvery` steps otherwise (CI logs, pipes), since a redrawn bar is unreadable there.
 */
export class TrainingProgress {
  private readonly bar: SingleBar | null;
  private readonly started = Date.now();
  private lastStep = 0;
  private lastPayload: Record<string, string> = { loss: '-', lr: '-', tps: '-' };

  /**
   * @param totalSteps Number of optimizer steps.
   * @param stream Where progress goes (default: standard error, so standard output stays clean).
   * @param logEvery Steps between plain lines when the stream is not a terminal.
   */
  constructor(
    private readonly totalSteps: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly logEvery = Math.max(1, Math.round(totalSteps / 10)),
  ) {
    this.bar = stream.isTTY
      ? new SingleBar({
          stream,
          format: 'step {value}/{total} |{bar}| loss {loss} | lr {lr} | {tps} tok/s | ETA {eta_formatted}',
          hideCursor: true,
          etaBuffer: 20,
        })
      : null;
    this.bar?.start(totalSteps, 0, this.lastPayload);
  }

  update(values: ProgressValues): void {
    const payload = {
      loss: values.loss.toFixed(4),
      lr: values.learningRate.toExponential(2),
      tps: Math.round(values.tokensPerSecond).toString(),
    };
    this.lastStep = values.step;
    this.lastPayload = payload;
    if (this.bar) {
      this.bar.update(values.step, payload);
      return;
    }
    if (values.step % this.logEvery === 0 || values.step === this.totalSteps) {
      const elapsed = (Date.now() - this.started) / 1000;
      const eta = (elapsed / values.step) * (this.totalSteps - values.step);
      this.stream.write(
        `step ${values.step}/${this.totalSteps} | loss ${payload.loss} | lr ${payload.lr} | ${payload.tps} tok/s | ETA ${eta.toFixed(0)}s\n`,
      );
    }
  }

  /** Prints a message without breaking the bar. */
  log(message: string): void {
    if (this.bar) {
      this.bar.stop();
      this.stream.write(`${message}\n`);
      this.bar.start(this.totalSteps, this.lastStep, this.lastPayload);
    } else {
      this.stream.write(`${message}\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
  }
}
