/**
 * A FIFO counting semaphore. FIFO matters: the writer acquires slots in call order
 * and an entry waits for its predecessor's write, so granting out of order could
 * leave every slot held by entries waiting on one that has no slot.
 */
export class Window {
  private free: number;
  private waiters: Array<() => void> = [];
  // An index instead of Array.shift keeps 65535 queued entries linear, not quadratic.
  private head = 0;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`window size must be a positive integer, got ${size}`);
    this.free = size;
  }

  acquire(): Promise<void> {
    if (this.free > 0 && this.head === this.waiters.length) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    if (this.head < this.waiters.length) {
      const next = this.waiters[this.head++];
      if (this.head > 1024 && this.head * 2 > this.waiters.length) {
        this.waiters = this.waiters.slice(this.head);
        this.head = 0;
      }
      next();
    } else {
      this.free++;
    }
  }
}
