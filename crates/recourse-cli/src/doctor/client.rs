//! An MCP client connected to the real server over an in-memory pipe: JSON-RPC,
//! initialization, `tools/list` and `tools/call` exactly as an agent's client would.

use recourse_mcp::RecourseServer;
use serde_json::{Value, json};

pub(crate) struct McpClient {
    rt: tokio::runtime::Runtime,
    client: rmcp::service::RunningService<rmcp::RoleClient, ()>,
    /// What `tools/list` returned.
    pub(crate) tools: Vec<rmcp::model::Tool>,
}

impl McpClient {
    pub(crate) fn connect(server: RecourseServer) -> Result<McpClient, String> {
        use rmcp::ServiceExt;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let (client, tools) = rt.block_on(async move {
            let (server_io, client_io) = tokio::io::duplex(1 << 20);
            let (sr, sw) = tokio::io::split(server_io);
            let (cr, cw) = tokio::io::split(client_io);
            tokio::spawn(async move {
                if let Ok(running) = server.serve((sr, sw)).await {
                    // The pipe closes when the doctor is done; how the service ends is moot.
                    let _ = running.waiting().await;
                }
            });
            let client = ().serve((cr, cw)).await.map_err(|e| e.to_string())?;
            let tools = client.list_all_tools().await.map_err(|e| e.to_string())?;
            Ok::<_, String>((client, tools))
        })?;
        Ok(McpClient { rt, client, tools })
    }

    /// Calls a tool; the structured result with `isError`, or `{protocol_error}`.
    pub(crate) fn call(&self, tool: &str, args: Value) -> Value {
        let mut params = rmcp::model::CallToolRequestParams::new(tool.to_owned());
        if let Value::Object(m) = args {
            params = params.with_arguments(m);
        }
        match self.rt.block_on(self.client.call_tool(params)) {
            Ok(r) => {
                let mut v = r.structured_content.unwrap_or(Value::Null);
                if let Some(o) = v.as_object_mut() {
                    o.insert("isError".into(), json!(r.is_error.unwrap_or(false)));
                }
                v
            }
            Err(e) => json!({"protocol_error": e.to_string(), "isError": true}),
        }
    }
}

/// The `status` of a result.
pub(crate) fn status(v: &Value) -> &str {
    v.get("status")
        .and_then(Value::as_str)
        .unwrap_or(if v.get("protocol_error").is_some() {
            "protocol_error"
        } else {
            "?"
        })
}

/// The `decision` of a result.
pub(crate) fn decision(v: &Value) -> &str {
    v.get("decision").and_then(Value::as_str).unwrap_or("?")
}

/// One line about a result.
pub(crate) fn brief(v: &Value) -> String {
    format!(
        "{} / {}: {}",
        decision(v),
        status(v),
        v.get("message").and_then(Value::as_str).unwrap_or("")
    )
}
