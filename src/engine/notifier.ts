/**
 * Wakes long polls when tasks are queued. In-process for SQLite; a PostgreSQL deployment can implement
 * the same interface with LISTEN/NOTIFY so a task committed by one server wakes pollers on another.
 */
export interface TaskNotifier {
  publish(channel: string): void;
  subscribe(listener: (channel: string) => void): () => void;
}

export class InProcessNotifier implements TaskNotifier {
  private readonly listeners = new Set<(channel: string) => void>();

  publish(channel: string): void {
    for (const listener of this.listeners) listener(channel);
  }

  subscribe(listener: (channel: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
