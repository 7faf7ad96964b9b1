import type { Octokit } from './octokit.js'

/**
 * Keeps the rotation's schedule alive: GitHub disables a public repository's scheduled workflows after 60
 * days without activity (a quiet fork is exactly that repository), and enabling the workflow through the
 * REST API counts as activity, the way established keep-alive actions do it without dummy commits. Needs
 * the job's token with `actions: write`.
 */
export async function keepWorkflowAlive(
  octokit: Octokit,
  repository: { owner: string; repo: string },
  workflowFile: string
): Promise<void> {
  await octokit.rest.actions.enableWorkflow({ ...repository, workflow_id: workflowFile })
}
