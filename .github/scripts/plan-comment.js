// Posts an mlgitops plan as ONE pull-request comment per environment, updated in place on each push.
// Used from actions/github-script: the earlier comment is found by a hidden marker, never duplicated.
'use strict';

const fs = require('fs');

// GitHub refuses comments over 65,536 characters; keep room for the header and footer.
const MAX_PLAN_CHARS = 60000;

function marker(env) {
  return `<!-- mlgitops-plan:${env} -->`;
}

function status(exitCode) {
  if (exitCode === '0') return 'no changes';
  if (exitCode === '2') return 'changes pending';
  return `failed (exit ${exitCode})`;
}

function buildBody({ env, plan, exitCode, sha, runUrl }) {
  let text = plan.trim() || '(no output)';
  if (text.length > MAX_PLAN_CHARS) {
    text = `${text.slice(0, MAX_PLAN_CHARS)}\n\n… plan truncated at ${MAX_PLAN_CHARS} characters; ` +
      `the full plan is in the [workflow run summary](${runUrl}).`;
  }
  const fenced = exitCode === '0' || exitCode === '2' ? text : `\`\`\`\n${text}\n\`\`\``;
  return [
    marker(env),
    `### mlgitops plan for \`${env}\`: ${status(exitCode)}`,
    '',
    fenced,
    '',
    `<sub>Updated for ${sha.slice(0, 7)} by [this run](${runUrl}).</sub>`,
  ].join('\n');
}

async function upsertPlanComment({ github, context, env, reportPath, exitCode }) {
  const { owner, repo } = context.repo;
  const issueNumber = context.payload.pull_request.number;
  const runUrl = `${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}`;
  const plan = fs.existsSync(reportPath) ? fs.readFileSync(reportPath, 'utf8') : '';
  const sha = context.payload.pull_request.head.sha;
  const body = buildBody({ env, plan, exitCode, sha, runUrl });
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner, repo, issue_number: issueNumber, per_page: 100,
  });
  const previous = comments.find(
    (comment) => comment.user && comment.user.type === 'Bot' && (comment.body || '').startsWith(marker(env)),
  );
  if (previous) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: previous.id, body });
    return { action: 'updated', id: previous.id };
  }
  const created = await github.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  return { action: 'created', id: created.data.id };
}

module.exports = { MAX_PLAN_CHARS, buildBody, marker, upsertPlanComment };
