import { inject } from 'vitest';
import { SANDBOX_ACCESS_KEY_ID, SANDBOX_ACCESS_KEY_SECRET } from '../../shared/localDefaults.ts';

// Handlers read their configuration from the environment once per (test-file) cold start.
process.env.DYNAMODB_ENDPOINT = inject('dynamodbEndpoint');
process.env.CALLS_TABLE = inject('callsTable');
process.env.IDEMPOTENCY_TABLE = inject('idempotencyTable');
process.env.AWS_REGION ??= 'us-east-1';
process.env.ALIYUN_ACCESS_KEY_ID = SANDBOX_ACCESS_KEY_ID;
process.env.ALIYUN_ACCESS_KEY_SECRET = SANDBOX_ACCESS_KEY_SECRET;
process.env.ALIYUN_CREDENTIALS_PARAM = 'env';
process.env.LOG_LEVEL ??= 'warn';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
