//! MCP server for the Recourse gateway (being built: see the MCP issue).
