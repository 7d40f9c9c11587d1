// name: schema_await
// Waits until every index is online (vector and fulltext indexes populate asynchronously).
CALL db.awaitIndexes(300)
