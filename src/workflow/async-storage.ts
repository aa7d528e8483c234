/**
 * Values that follow async code in the sandbox: the current cancellation scope, the update a handler runs
 * for. Backed by Node's `AsyncLocalStorage`, which the worker puts in the sandbox's globals and which follows
 * promises of every context; the runtime takes the class once and removes the global, so workflow code cannot
 * reach Node's async hooks itself.
 */
import { ASYNC_LOCAL_STORAGE_GLOBAL } from './activation.js';

/** The slice of Node's `AsyncLocalStorage` the runtime uses. */
export interface AsyncStorage<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
}

type StorageClass = new () => AsyncStorage<unknown>;

/**
 * Outside a worker's sandbox (workflow modules imported by plain Node code, where nothing runs anyway) a
 * synchronous stack stands in: the value is right inside `run`'s synchronous part only.
 */
class SynchronousStorage<T> implements AsyncStorage<T> {
  #store: T | undefined;
  getStore(): T | undefined {
    return this.#store;
  }
  run<R>(store: T, fn: () => R): R {
    const previous = this.#store;
    this.#store = store;
    try {
      return fn();
    } finally {
      this.#store = previous;
    }
  }
}

function takeStorageClass(): StorageClass | undefined {
  const holder = globalThis as Record<string, unknown>;
  const Storage = holder[ASYNC_LOCAL_STORAGE_GLOBAL] as StorageClass | undefined;
  delete holder[ASYNC_LOCAL_STORAGE_GLOBAL];
  return Storage;
}

const Storage = takeStorageClass();

/** A new storage; make one per kind of value, at module level (one per sandbox). */
export function createAsyncStorage<T>(): AsyncStorage<T> {
  return Storage === undefined ? new SynchronousStorage<T>() : (new Storage() as AsyncStorage<T>);
}
