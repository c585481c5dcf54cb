import type postgres from "postgres";

export type Sql = postgres.Sql;
/** A handle usable for queries: the pool itself or a transaction from `sql.begin`. */
export type Db = Sql | postgres.TransactionSql;
