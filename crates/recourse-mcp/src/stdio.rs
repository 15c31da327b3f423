//! The stdio transport with JSON-RPC hygiene: the client's lines are read here, screened
//! ([`crate::jsonrpc::screen`]), and only well-formed messages reach rmcp (through an in-memory
//! pipe); the others are answered here and, for a `tools/call`, audited. rmcp's output and
//! these answers share stdout one whole line at a time.

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

use crate::jsonrpc::{self, MAX_MESSAGE_BYTES, Screened, code};
use crate::{Callers, RecourseServer, ServeError};
use rmcp::ServiceExt;

/// The pipe between the screen and rmcp.
const PIPE_BYTES: usize = 1 << 20;

type Out<W> = Arc<Mutex<W>>;

async fn write_line<W: AsyncWrite + Unpin>(out: &Out<W>, line: &[u8]) -> std::io::Result<()> {
    let mut w = out.lock().await;
    w.write_all(line).await?;
    if !line.ends_with(b"\n") {
        w.write_all(b"\n").await?;
    }
    w.flush().await
}

/// One line from `r`, at most [`MAX_MESSAGE_BYTES`]: `Ok(None)` at the end of input,
/// `Err(true)` for a line that was too long (skipped to its end).
async fn next_line<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<bool>> {
    buf.clear();
    let mut too_long = false;
    loop {
        let chunk = r.fill_buf().await?;
        if chunk.is_empty() {
            return Ok((!buf.is_empty() || too_long).then_some(too_long));
        }
        let (take, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if !too_long {
            if buf.len() + take > MAX_MESSAGE_BYTES {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&chunk[..take]);
            }
        }
        r.consume(take);
        if done {
            return Ok(Some(too_long));
        }
    }
}

/// Serves `server` over `input`/`output` until the input ends.
pub(crate) async fn serve<R, W>(
    server: RecourseServer,
    input: R,
    output: W,
) -> Result<(), ServeError>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let out: Out<W> = Arc::new(Mutex::new(output));
    let (mut to_rmcp, rmcp_in) = tokio::io::duplex(PIPE_BYTES);
    let (rmcp_out, from_rmcp) = tokio::io::duplex(PIPE_BYTES);

    // rmcp's answers, line by line, to the shared output.
    let answers = {
        let out = Arc::clone(&out);
        tokio::spawn(async move {
            let mut r = BufReader::new(from_rmcp);
            let mut line = Vec::new();
            loop {
                line.clear();
                match r.read_until(b'\n', &mut line).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if write_line(&out, &line).await.is_err() {
                            break;
                        }
                    }
                }
            }
        })
    };

    // The client's lines, screened.
    let screen = {
        let out = Arc::clone(&out);
        let server = server.clone();
        tokio::spawn(async move {
            let mut r = BufReader::new(input);
            let mut line = Vec::new();
            while let Ok(Some(too_long)) = next_line(&mut r, &mut line).await {
                let raw = line.strip_suffix(b"\n").unwrap_or(&line);
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                if !too_long && raw.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let verdict = if too_long {
                    Screened::Reject {
                        reply: jsonrpc::error_reply(
                            &serde_json::Value::Null,
                            code::INVALID_REQUEST,
                            &format!(
                                "Invalid Request: the message is longer than {MAX_MESSAGE_BYTES} bytes"
                            ),
                        ),
                        audit: None,
                    }
                } else {
                    jsonrpc::screen(raw)
                };
                match verdict {
                    Screened::Pass => {
                        if to_rmcp.write_all(raw).await.is_err()
                            || to_rmcp.write_all(b"\n").await.is_err()
                        {
                            break;
                        }
                    }
                    Screened::Reject { reply, audit } => {
                        let mut reply = reply;
                        let a = Screened::record_of(&reply, audit);
                        // A line over the limit was not kept: its record has no digest.
                        let raw = (!too_long).then(|| raw.to_vec());
                        if let Err(e) = record(&server, a, raw).await {
                            let m = format!(
                                "{}; and the audit log is unavailable: {e}",
                                reply["error"]["message"].as_str().unwrap_or("")
                            );
                            reply["error"]["message"] = m.into();
                        }
                        if write_line(&out, reply.to_string().as_bytes())
                            .await
                            .is_err()
                        {
                            break;
                        }
                    }
                }
            }
            // End of input: rmcp sees it and stops.
            drop(to_rmcp);
        })
    };

    let service = server
        .serve((rmcp_in, rmcp_out))
        .await
        .map_err(|e| ServeError::Init(e.to_string()))?;
    service.waiting().await?;
    screen.abort();
    let _ = answers.await;
    Ok(())
}

/// Audits a refused message (off the async runtime: the audit write is a blocking fsync).
async fn record(
    server: &RecourseServer,
    a: jsonrpc::Rejected,
    raw: Option<Vec<u8>>,
) -> Result<(), String> {
    let Callers::Fixed(caller) = &server.callers else {
        return Err("no caller on this transport".into());
    };
    let (gateway, caller) = (Arc::clone(&server.gateway), caller.clone());
    tokio::task::spawn_blocking(move || {
        gateway
            .reject_message(&caller, a.tool.as_deref(), &a.error, raw.as_deref())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_are_bounded_and_long_ones_skipped_to_their_end() {
        let mut text = vec![b'x'; MAX_MESSAGE_BYTES + 10];
        text.extend_from_slice(b"\n{\"a\":1}\nlast");
        let mut r = BufReader::new(&text[..]);
        let mut buf = Vec::new();
        assert_eq!(next_line(&mut r, &mut buf).await.unwrap(), Some(true));
        assert_eq!(next_line(&mut r, &mut buf).await.unwrap(), Some(false));
        assert_eq!(buf, b"{\"a\":1}\n");
        assert_eq!(next_line(&mut r, &mut buf).await.unwrap(), Some(false));
        assert_eq!(buf, b"last");
        assert_eq!(next_line(&mut r, &mut buf).await.unwrap(), None);
    }
}
