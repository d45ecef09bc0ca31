// Placeholder replaced by the DynamoDB Local setup.
export default async function setup(): Promise<void> {}
