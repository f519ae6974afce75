// Everything the worker registers as a workflow.
export { healthWorkflow } from './health';
export { selfCheckWorkflow } from './self-check';
export { driftWorkflow } from './drift';
export { triageWorkflow } from './triage';
export { supervisorWorkflow } from './supervisor';
