//! Static files: the demo page from the `www` directory at `/`, the wasm package from
//! `pkg` at `/pkg/`. Paths are decoded and checked segment by segment, and the resolved
//! file must stay inside its root (symlinks included).

use std::path::{Path, PathBuf};

use hyper::body::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Response, StatusCode};

use super::config::Config;
use super::http::{self, Body};

/// Answers a GET or HEAD for `path` from the configured directories.
pub(crate) async fn serve(config: &Config, method: &Method, path: &str) -> Response<Body> {
    if method != Method::GET && method != Method::HEAD {
        let mut res = http::text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
        res.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return res;
    }
    let (root, rest) = match path.strip_prefix("/pkg/") {
        Some(rest) => match &config.pkg {
            Some(pkg) => (pkg.as_path(), rest),
            None => return not_found(),
        },
        None => (config.www.as_path(), path.trim_start_matches('/')),
    };
    let Some(relative) = safe_relative(rest) else {
        return not_found();
    };
    let Some(file) = resolve(root, &relative).await else {
        return not_found();
    };
    let Ok(bytes) = tokio::fs::read(&file).await else {
        return not_found();
    };
    let len = bytes.len();
    let body = if method == Method::HEAD { None } else { Some(Bytes::from(bytes)) };
    let mut res = Response::new(Body::Full(body));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&file)));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    res
}

fn not_found() -> Response<Body> {
    http::text(StatusCode::NOT_FOUND, "not found")
}

/// The percent-decoded path as safe segments, or `None` for `..`, hidden names,
/// backslashes, NULs or invalid encoding.
pub(crate) fn safe_relative(path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path)?;
    let mut out = PathBuf::new();
    for seg in decoded.split('/') {
        if seg.is_empty() {
            continue;
        }
        if seg.starts_with('.') || seg.contains(['\\', '\0', ':']) {
            return None;
        }
        out.push(seg);
    }
    Some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The file for `relative` under `root` (`index.html` for a directory), if it exists and
/// its real path is inside the root's.
async fn resolve(root: &Path, relative: &Path) -> Option<PathBuf> {
    let root = tokio::fs::canonicalize(root).await.ok()?;
    let mut file = tokio::fs::canonicalize(root.join(relative)).await.ok()?;
    if tokio::fs::metadata(&file).await.ok()?.is_dir() {
        file = tokio::fs::canonicalize(file.join("index.html")).await.ok()?;
    }
    (file.starts_with(&root) && tokio::fs::metadata(&file).await.ok()?.is_file()).then_some(file)
}

fn content_type(file: &Path) -> &'static str {
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "txt" | "md" | "ts" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_and_hidden_paths_are_refused() {
        for bad in ["../etc/passwd", "a/../../b", "%2e%2e/x", ".git/config", "a\\b", "%zz", "c:x"] {
            assert_eq!(safe_relative(bad), None, "{bad}");
        }
        assert_eq!(safe_relative("a//b%20c.js"), Some(PathBuf::from("a/b c.js")));
        assert_eq!(safe_relative(""), Some(PathBuf::new()));
    }

    #[test]
    fn wasm_has_its_content_type() {
        assert_eq!(content_type(Path::new("pkg/mcp_tasks_bg.wasm")), "application/wasm");
        assert_eq!(content_type(Path::new("index.HTML")), "text/html; charset=utf-8");
    }
}
