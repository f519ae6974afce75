// Everything the worker registers as a workflow.
export { selfCheckWorkflow } from './self-check';
