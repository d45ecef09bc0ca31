/**
 * The AWS credentials of the deployed bundles: esbuild puts this module in place of
 * `@aws-sdk/credential-provider-node` (serverless.yml `custom.esbuild.alias`), for the DynamoDB and
 * EventBridge clients and the secret reads alike.
 *
 * Lambda hands every function its execution role's keys in the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), and the SDK's default chain tries the environment first,
 * so on Lambda both give the same keys. The chain's other providers (SSO and its token files, shared
 * config and credentials files, credential processes, web identity, container and instance metadata)
 * are about 100 KiB of every bundle, loaded for nothing. Local runs (`npm start`) bundle the full
 * chain instead (AWS_CREDENTIAL_CHAIN=full), so a developer's profile still works there.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** `@aws-sdk/credential-provider-node`'s `defaultProvider`, reduced to the environment. */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
