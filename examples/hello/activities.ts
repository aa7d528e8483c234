import { Context } from 'strata/activity';

/** Activities are ordinary async functions; they may do I/O, and are retried per their retry policy. */
export async function greet(name: string): Promise<string> {
  const { attempt } = Context.current().info;
  return `Hello, ${name}! (activity attempt ${attempt})`;
}
