//! JSON-RPC hygiene in front of rmcp: every message a client sends is either handed on as a
//! well-formed JSON-RPC 2.0 message or answered here with the error the specification names,
//! and a `tools/call` that cannot become a tool call is answered *and* audited.
//!
//! - not UTF-8, not JSON, or nested deeper than serde_json's limit: `-32700 Parse error`,
//!   `id: null`;
//! - a batch (an array: MCP dropped batching), a non-object, a wrong `jsonrpc`, an `id` that is
//!   neither a string nor a number, a `method` that is not a string, a response without exactly
//!   one of `result`/`error`: `-32600 Invalid Request` (with the request's `id` when it has a
//!   usable one);
//! - `tools/call` whose `params` is not an object, has no string `name`, or has `arguments`
//!   that are not an object: `-32602 Invalid params`, audited as `rejected_input` with a digest
//!   of the raw message.
//!
//! Pure: bytes in, a verdict out.

use serde_json::{Value, json};

/// The largest message read from a stream transport; a longer line is answered as invalid and
/// skipped up to its end.
pub const MAX_MESSAGE_BYTES: usize = 8 * 1024 * 1024;

/// JSON-RPC error codes.
pub mod code {
    /// The message is not JSON.
    pub const PARSE_ERROR: i64 = -32700;
    /// Not a valid JSON-RPC request.
    pub const INVALID_REQUEST: i64 = -32600;
    /// The method's parameters are not usable.
    pub const INVALID_PARAMS: i64 = -32602;
}

/// What to do with one message.
#[derive(Debug, Clone, PartialEq)]
pub enum Screened {
    /// Well-formed: hand it on.
    Pass,
    /// Answer `reply`, hand nothing on, and record it (every refused message is audited).
    Reject {
        /// The JSON-RPC error response.
        reply: Value,
        /// For a `tools/call` that did not become a call: the tool it named and why.
        audit: Option<Rejected>,
    },
}

/// A `tools/call` refused before it became a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The tool it named, if it named one.
    pub tool: Option<String>,
    /// What was wrong.
    pub error: String,
}

impl Screened {
    /// What to record for a refused message: the call's own account, or the error answered.
    pub fn record_of(reply: &Value, audit: Option<Rejected>) -> Rejected {
        audit.unwrap_or_else(|| Rejected {
            tool: None,
            error: reply["error"]["message"]
                .as_str()
                .unwrap_or("invalid message")
                .to_owned(),
        })
    }
}

/// A JSON-RPC error response.
pub fn error_reply(id: &Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

fn reject(id: &Value, code: i64, message: &str) -> Screened {
    Screened::Reject {
        reply: error_reply(id, code, message),
        audit: None,
    }
}

/// Screens one message (one line of a stream transport, or one HTTP body).
pub fn screen(raw: &[u8]) -> Screened {
    let null = Value::Null;
    let Ok(text) = std::str::from_utf8(raw) else {
        return reject(
            &null,
            code::PARSE_ERROR,
            "Parse error: the message is not valid UTF-8",
        );
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return reject(&null, code::PARSE_ERROR, &format!("Parse error: {e}")),
    };
    let obj = match value {
        Value::Object(o) => o,
        Value::Array(_) => {
            return reject(
                &null,
                code::INVALID_REQUEST,
                "Invalid Request: batches are not supported; send one message at a time",
            );
        }
        _ => {
            return reject(
                &null,
                code::INVALID_REQUEST,
                "Invalid Request: a message is a JSON object",
            );
        }
    };
    let id = match obj.get("id") {
        None => None,
        Some(v @ (Value::String(_) | Value::Number(_))) => Some(v.clone()),
        Some(_) => {
            return reject(
                &null,
                code::INVALID_REQUEST,
                "Invalid Request: `id` must be a string or a number",
            );
        }
    };
    let reply_id = id.clone().unwrap_or(Value::Null);
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return reject(
            &reply_id,
            code::INVALID_REQUEST,
            "Invalid Request: `jsonrpc` must be \"2.0\"",
        );
    }
    let method = match obj.get("method") {
        Some(Value::String(m)) => m.as_str(),
        Some(_) => {
            return reject(
                &reply_id,
                code::INVALID_REQUEST,
                "Invalid Request: `method` must be a string",
            );
        }
        None => {
            // A response to something the server asked.
            let ok = id.is_some() && (obj.contains_key("result") != obj.contains_key("error"));
            return if ok {
                Screened::Pass
            } else {
                reject(
                    &reply_id,
                    code::INVALID_REQUEST,
                    "Invalid Request: neither a request (no `method`) nor a response (`id` and one of `result`/`error`)",
                )
            };
        }
    };
    if method == "tools/call" && id.is_some() {
        return screen_call(&reply_id, obj.get("params"));
    }
    Screened::Pass
}

fn screen_call(id: &Value, params: Option<&Value>) -> Screened {
    let refuse = |tool: Option<&str>, error: &str| Screened::Reject {
        reply: error_reply(
            id,
            code::INVALID_PARAMS,
            &format!("Invalid params: {error}"),
        ),
        audit: Some(Rejected {
            tool: tool.map(str::to_owned),
            error: error.to_owned(),
        }),
    };
    let Some(Value::Object(p)) = params else {
        return refuse(
            None,
            "tools/call needs `params`: an object with `name` and `arguments`",
        );
    };
    let Some(name) = p.get("name").and_then(Value::as_str) else {
        return refuse(None, "tools/call needs a string `name`");
    };
    match p.get("arguments") {
        None | Some(Value::Object(_)) => Screened::Pass,
        Some(other) => refuse(
            Some(name),
            &format!(
                "`arguments` must be an object, got {}",
                match other {
                    Value::Null => "null",
                    Value::Bool(_) => "a boolean",
                    Value::Number(_) => "a number",
                    Value::String(_) => "a string",
                    Value::Array(_) => "an array",
                    Value::Object(_) => "an object",
                }
            ),
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn code_and_id(s: &Screened) -> (i64, Value) {
        match s {
            Screened::Reject { reply, .. } => (
                reply["error"]["code"].as_i64().unwrap(),
                reply["id"].clone(),
            ),
            Screened::Pass => panic!("passed"),
        }
    }

    #[test]
    fn malformed_messages_get_the_error_the_specification_names() {
        let deep = format!(
            "{{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"x\",\"params\":{}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        for (raw, code, id) in [
            (
                &b"{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": "[..],
                code::PARSE_ERROR,
                Value::Null,
            ),
            (
                b"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"x\",\"p\":\"\xff\"}",
                code::PARSE_ERROR,
                Value::Null,
            ),
            (deep.as_bytes(), code::PARSE_ERROR, Value::Null),
            (
                b"[{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}]",
                code::INVALID_REQUEST,
                Value::Null,
            ),
            (b"42", code::INVALID_REQUEST, Value::Null),
            (
                b"{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"x\"}",
                code::INVALID_REQUEST,
                Value::Null,
            ),
            (
                b"{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"x\"}",
                code::INVALID_REQUEST,
                json!(7),
            ),
            (
                b"{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":5}",
                code::INVALID_REQUEST,
                json!("a"),
            ),
            (
                b"{\"jsonrpc\":\"2.0\",\"id\":9}",
                code::INVALID_REQUEST,
                json!(9),
            ),
        ] {
            assert_eq!(
                code_and_id(&screen(raw)),
                (code, id),
                "{}",
                String::from_utf8_lossy(&raw[..raw.len().min(80)])
            );
        }
    }

    #[test]
    fn tools_call_without_usable_params_is_refused_and_audited() {
        for (raw, tool) in [
            (
                json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call"}),
                None,
            ),
            (
                json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": [1]}),
                None,
            ),
            (
                json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"arguments": {}}}),
                None,
            ),
            (
                json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "gateway_shell_exec", "arguments": ["ls"]}}),
                Some("gateway_shell_exec"),
            ),
            (
                json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "gateway_shell_exec", "arguments": "ls"}}),
                Some("gateway_shell_exec"),
            ),
        ] {
            let s = screen(raw.to_string().as_bytes());
            assert_eq!(code_and_id(&s), (code::INVALID_PARAMS, json!(5)), "{raw}");
            let Screened::Reject { audit: Some(a), .. } = s else {
                panic!("not audited: {raw}")
            };
            assert_eq!(a.tool.as_deref(), tool);
        }
    }

    #[test]
    fn well_formed_messages_pass() {
        for raw in [
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            json!({"jsonrpc": "2.0", "id": "x", "method": "tools/call", "params": {"name": "gateway_shell_exec", "arguments": {"command": "ls"}}}),
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "gateway_check_approval"}}),
            json!({"jsonrpc": "2.0", "id": 3, "result": {}}),
            json!({"jsonrpc": "2.0", "id": 3, "error": {"code": 1, "message": "m"}}),
        ] {
            assert_eq!(screen(raw.to_string().as_bytes()), Screened::Pass, "{raw}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_get_an_answer_or_pass(raw in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            match screen(&raw) {
                Screened::Pass => {
                    let v: Value = serde_json::from_slice(&raw).unwrap();
                    proptest::prop_assert!(v.is_object());
                }
                Screened::Reject { reply, .. } => {
                    proptest::prop_assert_eq!(&reply["jsonrpc"], "2.0");
                    proptest::prop_assert!(reply["error"]["code"].is_i64());
                }
            }
        }
    }
}
