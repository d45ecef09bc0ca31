import { inject } from 'vitest';

// The one DynamoDB Local of the run (globalSetup.ts) and the tables it created from serverless.yml.
process.env.DYNAMODB_ENDPOINT = inject('dynamodbEndpoint');
process.env.CALLS_TABLE = inject('callsTable');
process.env.IDEMPOTENCY_TABLE = inject('idempotencyTable');
