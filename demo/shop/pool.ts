// A bounded pool of "connections" as a database driver keeps one: at most `max`
// handed out, callers wait in line for a free one and give up after a timeout.
// The db service serves queries through one; orders reaches the db through another.

export class PoolTimeoutError extends Error {}

export class Pool {
  inUse = 0;
  private readonly queue: { grant: () => void; timer: NodeJS.Timeout }[] = [];

  constructor(
    readonly max: number,
    private readonly acquireTimeoutMs: number,
  ) {}

  get waiting(): number {
    return this.queue.length;
  }

  /** A connection; call the returned function to give it back. */
  acquire(timeoutMs = this.acquireTimeoutMs): Promise<() => void> {
    if (this.inUse < this.max) {
      this.inUse++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          clearTimeout(entry.timer);
          this.inUse++;
          resolve(this.releaser());
        },
        timer: setTimeout(() => {
          this.queue.splice(this.queue.indexOf(entry), 1);
          reject(new PoolTimeoutError(`timed out after ${timeoutMs} ms waiting for a connection (${this.inUse}/${this.max} in use, ${this.queue.length} waiting)`));
        }, timeoutMs),
      };
      this.queue.push(entry);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse--;
      this.queue.shift()?.grant();
    };
  }
}
