/**
 * What serverless.yml's `${file(./ops/cloudformation.cjs):...}` variables resolve to when osls packages
 * (or `npm start` loads) the service: the dashboard's body (ops/dashboard.ts) and the saved Logs
 * Insights queries' properties (ops/queries.ts).
 *
 * osls loads only .js / .cjs files for a variable, so this file loads the TypeScript modules through
 * tsx, a devDependency like the rest of the packaging tools. Offline and deterministic: the result
 * depends on serverless.yml alone (its functions, the alarm params, pollReceipts' timeout).
 */
'use strict';

const { require: requireTypeScript } = require('tsx/cjs/api');

const load = (path) => requireTypeScript(path, __filename);

/** The functions of serverless.yml, by name, in its order. */
async function functionNames(resolveVariable) {
  return Object.keys(await resolveVariable('self:functions'));
}

/** A number serverless.yml holds, or a packaging error naming it. */
async function numberOf(resolveVariable, address) {
  const value = Number(await resolveVariable(address));
  if (!Number.isFinite(value)) throw new Error(`${address} is not a number`);
  return value;
}

module.exports = {
  /** The dashboard body for Fn::Sub. */
  dashboardBody: async ({ resolveVariable }) => {
    const { dashboardBody } = load('./dashboard.ts');
    return dashboardBody({
      functions: await functionNames(resolveVariable),
      thresholds: {
        receiptLagAlarmMs: await numberOf(resolveVariable, 'param:receiptLagAlarmMs'),
        iteratorAgeAlarmMs: await numberOf(resolveVariable, 'param:iteratorAgeAlarmMs'),
        pollReceiptsTimeoutMs: 1000 * (await numberOf(resolveVariable, 'self:functions.pollReceipts.timeout')),
      },
    });
  },

  /** Every saved query's properties, by logical id: `savedQueries.CallStoryQuery`, ... */
  savedQueries: async ({ resolveVariable }) => {
    const { queryDefinitions } = load('./queries.ts');
    const folder = `${await resolveVariable('self:service')}-${await resolveVariable('sls:stage')}`;
    return queryDefinitions(folder, await functionNames(resolveVariable));
  },
};
