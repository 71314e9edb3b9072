//! The SSE decoder gives the same events however the bytes are split, and never panics.

use mcp_tasks::protocol::sse::{SseDecoder, encode_event};
use proptest::prelude::*;

fn decode_in_chunks(bytes: &[u8], cuts: &[usize]) -> Vec<(Option<String>, String, Option<String>)> {
    let mut d = SseDecoder::new(1 << 20);
    let mut out = Vec::new();
    let mut start = 0;
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.sort_unstable();
    points.push(bytes.len());
    for end in points {
        let end = end.max(start);
        for e in d.push(&bytes[start..end]).expect("within the cap") {
            out.push((e.event, e.data, e.id));
        }
        start = end;
    }
    out
}

fn stream() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        "[a-z ]{0,8}".prop_map(|v| format!("data: {v}")),
        "[a-z]{0,5}".prop_map(|v| format!("event: {v}")),
        "[a-z0-9-]{0,6}".prop_map(|v| format!("id: {v}")),
        "[0-9]{1,4}".prop_map(|v| format!("retry: {v}")),
        Just(": comment".to_owned()),
        Just(String::new()),
        Just("\u{e9}t\u{e9}".to_owned()),
    ];
    let ending = prop_oneof![Just("\n"), Just("\r\n"), Just("\r")];
    prop::collection::vec((line, ending), 0..24).prop_map(|parts| {
        parts.into_iter().flat_map(|(l, e)| format!("{l}{e}").into_bytes()).collect()
    })
}

proptest! {
    #[test]
    fn chunking_does_not_change_events(bytes in stream(), cuts in prop::collection::vec(any::<usize>(), 0..12)) {
        prop_assert_eq!(decode_in_chunks(&bytes, &cuts), decode_in_chunks(&bytes, &[]));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512), cut in any::<usize>()) {
        let mut d = SseDecoder::new(64);
        let cut = cut % (bytes.len() + 1);
        let _ = d.push(&bytes[..cut]);
        let _ = d.push(&bytes[cut..]);
    }

    #[test]
    fn encoded_events_decode_back(data in "[ -~\n]{0,64}", id in "[a-z0-9]{1,8}", event in "[a-z]{1,8}") {
        let text = encode_event(Some(&event), Some(&id), &data).expect("framable");
        let got = SseDecoder::default().push(text.as_bytes()).expect("decodes");
        prop_assert_eq!(got.len(), 1);
        prop_assert_eq!(&got[0].data, &data);
        prop_assert_eq!(got[0].id.as_deref(), Some(id.as_str()));
        prop_assert_eq!(got[0].event.as_deref(), Some(event.as_str()));
    }
}
