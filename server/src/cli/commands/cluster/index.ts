// The cluster commands (issue 6): reconcile, suspend/resume, apply, delete, get sources.
import type { CliCommand } from '../../command';
import { reconcileCommands } from './reconcile';
import { suspendResumeCommands } from './suspendResume';
import { deleteCommands } from './delete';
import { applyCommand } from './apply';
import { getSourcesCommand } from './getSources';

export const clusterCommands: CliCommand[] = [...reconcileCommands, ...suspendResumeCommands, applyCommand, ...deleteCommands, getSourcesCommand];
