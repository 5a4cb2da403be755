/** The most recent `capacity` values of one series, the oldest overwritten first. */
export class Ring<T> {
  #values: T[] = [];
  #next = 0;
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  push(value: T): void {
    if (this.#values.length < this.#capacity) {
      this.#values.push(value);
      return;
    }
    this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % this.#capacity;
  }

  /** Values oldest first (a new array). */
  values(): T[] {
    return [...this.#values.slice(this.#next), ...this.#values.slice(0, this.#next)];
  }
}
