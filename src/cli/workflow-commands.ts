import type { Command } from 'commander';
import { registerWorkflowInspectCommands } from './workflow-inspect-commands.js';
import { registerWorkflowPatchStatusCommand } from './workflow-patch-status-command.js';
import { registerWorkflowReplayCommands } from './workflow-replay-commands.js';
import { registerWorkflowRunCommands } from './workflow-run-commands.js';
import { registerWorkflowUpdateCommands } from './workflow-update-commands.js';
import { registerWorkflowUpdateOptionsCommand } from './workflow-update-options-command.js';

/** `strata workflow ...`: the same commands and flags as `temporal workflow ...`. */
export function registerWorkflowCommands(program: Command): void {
  const workflow = program.command('workflow').description('Start, inspect and act on workflow executions');
  registerWorkflowRunCommands(workflow);
  registerWorkflowInspectCommands(workflow);
  registerWorkflowReplayCommands(workflow);
  registerWorkflowPatchStatusCommand(workflow);
  registerWorkflowUpdateCommands(workflow);
  registerWorkflowUpdateOptionsCommand(workflow);
}
