// name: server_info
// Server name, version and edition (for `mem0g doctor`).
CALL dbms.components() YIELD name, versions, edition
RETURN name, versions[0] AS version, edition
