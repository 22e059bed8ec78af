//! A persistent HTTP/1.1 connection (keep-alive), loopback only: the write and history benches
//! send many requests per connection, as a browser does, so each round trip measures the
//! server and not a TCP handshake.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::http::{parse_response, Response};

/// How long one request may take, write to last byte.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest response accepted.
const MAX_RESPONSE: usize = 16 * 1024 * 1024;

/// One open connection; requests go one at a time.
pub struct Conn {
    /// The socket.
    stream: TcpStream,
    /// Where it is connected (for the Host header and messages).
    addr: SocketAddr,
    /// Bytes read past the last response (none in practice: no pipelining).
    buf: Vec<u8>,
}

impl Conn {
    /// Connects to `addr`.
    pub async fn connect(addr: SocketAddr) -> Result<Self> {
        let stream = TcpStream::connect(addr).await.with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true)?;
        Ok(Self { stream, addr, buf: Vec::new() })
    }

    /// Sends one request and reads its response; the connection stays open.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response> {
        let mut out =
            format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n", self.addr, body.len());
        for (name, value) in headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(body);
        tokio::time::timeout(REQUEST_TIMEOUT, async {
            self.stream.write_all(&bytes).await.context("writing the request")?;
            let mut chunk = [0u8; 16 * 1024];
            loop {
                if let Some(len) = complete_len(&self.buf)? {
                    let resp = parse_response(self.buf.get(..len).context("response")?)?;
                    self.buf.drain(..len);
                    return Ok(resp);
                }
                if self.buf.len() > MAX_RESPONSE {
                    bail!("response larger than {MAX_RESPONSE} bytes");
                }
                let n = self.stream.read(&mut chunk).await.context("reading the response")?;
                if n == 0 {
                    bail!("connection closed before a complete response");
                }
                self.buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
            }
        })
        .await
        .with_context(|| format!("{method} {path} timed out after {REQUEST_TIMEOUT:?}"))?
    }

    /// POSTs pre-serialized JSON with an optional bearer token; returns the status and the JSON.
    pub async fn post_json(
        &mut self,
        path: &str,
        bearer: Option<&str>,
        body: &[u8],
    ) -> Result<(u16, serde_json::Value)> {
        let auth = bearer.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Content-Type", "application/json"), ("Accept", "application/json")];
        if let Some(auth) = auth.as_deref() {
            headers.push(("Authorization", auth));
        }
        let resp = self.request("POST", path, &headers, body).await?;
        Ok((resp.status, crate::http::json_body(resp.status, &resp.body)?))
    }

    /// The server's `jeco_sql_statements_total` counter.
    pub async fn sql_statements(&mut self) -> Result<u64> {
        let resp = self.request("GET", "/metrics", &[], b"").await?;
        if resp.status != 200 {
            bail!("GET /metrics: HTTP {}", resp.status);
        }
        metric(&String::from_utf8_lossy(&resp.body), "jeco_sql_statements_total")
            .context("no jeco_sql_statements_total in /metrics")
    }
}

/// The value of an unlabelled counter or gauge `name` in a Prometheus exposition.
pub fn metric(text: &str, name: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (key, value) = l.split_once(' ')?;
        (key == name).then(|| value.trim().parse::<f64>().ok().map(|v| v as u64)).flatten()
    })
}

/// The length of the first complete response in `buf` (Content-Length or chunked), if all there.
pub fn complete_len(buf: &[u8]) -> Result<Option<usize>> {
    let Some(head_end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = String::from_utf8_lossy(buf.get(..head_end).unwrap_or_default()).to_ascii_lowercase();
    let body_start = head_end + 4;
    let mut chunked = false;
    for line in head.split("\r\n").skip(1) {
        let Some((name, value)) = line.split_once(':') else { continue };
        match name.trim() {
            "content-length" => {
                let len: usize = value.trim().parse().context("bad Content-Length")?;
                return Ok((buf.len() >= body_start + len).then_some(body_start + len));
            }
            "transfer-encoding" if value.contains("chunked") => chunked = true,
            _ => {}
        }
    }
    if !chunked {
        // A 204/304 or a body-less head: the response ends with the head.
        if head.starts_with("http/1.1 204") || head.starts_with("http/1.1 304") {
            return Ok(Some(body_start));
        }
        bail!("keep-alive response with neither Content-Length nor chunked encoding");
    }
    let mut pos = body_start;
    loop {
        let rest = buf.get(pos..).unwrap_or_default();
        let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let size_line = String::from_utf8_lossy(rest.get(..line_end).unwrap_or_default()).into_owned();
        let size_hex = size_line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16).context("bad chunk size")?;
        pos += line_end + 2;
        if size == 0 {
            // No trailers are sent by the server: the last chunk ends with an empty line.
            return Ok((buf.len() >= pos + 2).then_some(pos + 2));
        }
        pos += size + 2;
        if pos > buf.len() {
            return Ok(None);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn content_length_responses_complete_at_their_length() {
        let r = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1";
        assert_eq!(complete_len(r).unwrap(), Some(40));
        assert_eq!(complete_len(&r[..39]).unwrap(), None);
        assert_eq!(complete_len(b"HTTP/1.1 200 OK\r\nContent-Len").unwrap(), None);
    }

    #[test]
    fn chunked_responses_complete_at_the_last_chunk() {
        let r = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        assert_eq!(complete_len(r).unwrap(), Some(r.len()));
        assert_eq!(complete_len(&r[..r.len() - 1]).unwrap(), None);
        assert_eq!(complete_len(&r[..r.len() - 6]).unwrap(), None);
        assert!(complete_len(b"HTTP/1.1 200 OK\r\nX: y\r\n\r\nbody").is_err());
        assert_eq!(complete_len(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap(), Some(27));
    }

    #[test]
    fn metric_lines_are_found_by_exact_name() {
        let text = "# HELP jeco_sql_statements_total x\n# TYPE jeco_sql_statements_total counter\n\
                    jeco_sql_statements_total 1234\njeco_sql_statements_total_x 9\n";
        assert_eq!(metric(text, "jeco_sql_statements_total"), Some(1234));
        assert_eq!(metric(text, "jeco_missing"), None);
    }
}
