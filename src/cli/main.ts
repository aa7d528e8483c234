/**
 * The `strata` command line: `strata workflow ...` to drive workflows, `strata server start-dev` for a
 * local server. Exit codes: 0 success, 1 the operation failed, 2 the command line was wrong.
 */
import { Command, CommanderError } from 'commander';
import { DEFAULT_ADDRESS } from '../client/connection.js';
import { registerBatchCommands } from './batch-commands.js';
import { registerControllerCommands } from './controller-commands.js';
import { describeCliError, EXIT_OK, EXIT_USAGE, ReportedFailure } from './errors.js';
import { registerOperatorCommands } from './operator-commands.js';
import { registerServerCommands } from './server.js';
import { registerTaskQueueCommands } from './task-queue-commands.js';
import { registerWorkerDeploymentCommands } from './worker-deployment-commands.js';
import { registerWorkflowCommands } from './workflow-commands.js';

export function buildProgram(): Command {
  const program = new Command('strata')
    .description(
      `Durable workflows for TypeScript. Commands talk to a Strata server (default ${DEFAULT_ADDRESS}).`,
    )
    .showHelpAfterError('(run with --help for usage)')
    // Throw instead of exiting so every path ends with our exit codes.
    .exitOverride();
  registerServerCommands(program);
  registerWorkflowCommands(program);
  registerOperatorCommands(program);
  registerControllerCommands(program);
  registerBatchCommands(program);
  registerTaskQueueCommands(program);
  registerWorkerDeploymentCommands(program);
  return program;
}

/** Runs the CLI on `argv` and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  let actionCommand: Command | undefined;
  program.hook('preAction', (_program, command) => {
    actionCommand = command;
  });
  try {
    await program.parseAsync([...argv]);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander printed its own message (missing flag, unknown option) or the help.
      const shown = err.code === 'commander.helpDisplayed' || err.code === 'commander.version';
      return shown || err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (err instanceof ReportedFailure) return err.exitCode;
    const namespace: unknown = actionCommand?.opts().namespace;
    const { message, exitCode } = describeCliError(
      err,
      typeof namespace === 'string' ? namespace : 'default',
    );
    process.stderr.write(`${message}\n`);
    return exitCode;
  }
}

process.exitCode = await main(process.argv);
