import type pg from 'pg';

/**
 * Runs fn in one transaction on one pooled connection: COMMIT when it returns, ROLLBACK when it throws. A
 * connection that failed mid-transaction is released broken (closed), never handed to the next request.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let result: T;
  try {
    await client.query('BEGIN');
    result = await fn(client);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(err as Error);
    throw err;
  }
  client.release();
  return result;
}
