//! Server-sent events (WHATWG `text/event-stream`) decoded from byte chunks split anywhere, in bounded memory.

use super::DecodeError;

/// The longest line accepted, in bytes; a longer one fails the stream instead of growing a buffer.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The most data one event may gather, in bytes.
pub const MAX_EVENT_BYTES: usize = 8 << 20;

const BOM: &[u8] = "\u{feff}".as_bytes();

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field; `None` when absent or empty (the spec's default type, `message`).
    pub event: Option<String>,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
}

/// Turns a body, fed in chunks of any size, into events.
///
/// After an error the decoder stays failed: every later call returns the same error.
#[derive(Debug, Default)]
pub struct SseDecoder {
    /// The current line, without its terminator.
    line: Vec<u8>,
    /// The last byte seen was `\r`: a `\n` right after it (maybe in the next chunk) belongs to
    /// the same line ending.
    after_cr: bool,
    /// The byte order mark is only skipped at the very start of the stream.
    past_first_line: bool,
    event: Option<String>,
    /// Each data line followed by `\n`, as the spec keeps it, so an empty `data:` line still
    /// makes the event dispatch.
    data: String,
    failed: Option<DecodeError>,
}

impl SseDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next chunk and returns the events it completes, in order.
    ///
    /// On error, events completed earlier in the same chunk are dropped too: the stream is
    /// unusable from there on.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, DecodeError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let result = self.feed(bytes);
        if let Err(error) = &result {
            // Release what was gathered: nothing of it will be used.
            *self = Self {
                failed: Some(error.clone()),
                ..Self::default()
            };
        }
        result
    }

    /// Marks the end of the body.
    ///
    /// As the WHATWG spec says, an event not closed by a blank line is discarded, so a healthy
    /// decoder answers `Ok(None)`; a failed one repeats its error. Whether something was
    /// discarded (a sign of a cut stream) is [`SseDecoder::has_partial`], which still answers
    /// after this call.
    pub fn finish(&mut self) -> Result<Option<SseEvent>, DecodeError> {
        match &self.failed {
            Some(error) => Err(error.clone()),
            None => Ok(None),
        }
    }

    /// Whether anything since the last dispatched event is pending: part of a line, or fields of
    /// an event without its closing blank line.
    pub fn has_partial(&self) -> bool {
        !self.line.is_empty() || !self.data.is_empty() || self.event.is_some()
    }

    fn feed(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, DecodeError> {
        let mut events = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            if std::mem::take(&mut self.after_cr) && rest.first() == Some(&b'\n') {
                rest = &rest[1..];
                continue;
            }
            let Some(end) = rest.iter().position(|&b| b == b'\n' || b == b'\r') else {
                self.extend_line(rest)?;
                break;
            };
            self.extend_line(&rest[..end])?;
            self.after_cr = rest[end] == b'\r';
            rest = &rest[end + 1..];
            let line = std::mem::take(&mut self.line);
            let event = self.process_line(&line);
            // Keep the allocation for the next line.
            self.line = line;
            self.line.clear();
            if let Some(event) = event? {
                events.push(event);
            }
        }
        Ok(events)
    }

    fn extend_line(&mut self, part: &[u8]) -> Result<(), DecodeError> {
        if self.line.len() + part.len() > MAX_LINE_BYTES {
            return Err(DecodeError(format!(
                "a server-sent events line is longer than {MAX_LINE_BYTES} bytes"
            )));
        }
        self.line.extend_from_slice(part);
        Ok(())
    }

    fn process_line(&mut self, line: &[u8]) -> Result<Option<SseEvent>, DecodeError> {
        let mut line = line;
        if !self.past_first_line {
            self.past_first_line = true;
            line = line.strip_prefix(BOM).unwrap_or(line);
        }
        if line.is_empty() {
            return Ok(self.dispatch());
        }
        if line.first() == Some(&b':') {
            return Ok(None);
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        match field {
            b"event" => {
                self.event =
                    (!value.is_empty()).then(|| String::from_utf8_lossy(value).into_owned());
            }
            b"data" => {
                let value = String::from_utf8_lossy(value);
                if self.data.len() + value.len() + 1 > MAX_EVENT_BYTES {
                    return Err(DecodeError(format!(
                        "a server-sent event is larger than {MAX_EVENT_BYTES} bytes"
                    )));
                }
                self.data.push_str(&value);
                self.data.push('\n');
            }
            // `id` and `retry` matter only to reconnecting clients; other fields are to be ignored.
            _ => {}
        }
        Ok(None)
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        if self.data.is_empty() {
            return None;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop();
        Some(SseEvent { event, data })
    }
}

/// The same bounds as [`SseDecoder`], checked on raw bytes for a stream that someone else's
/// decoder reads (async-openai's buffers a line, and an event's data, without any limit).
///
/// It counts every byte of a line (field name included) towards its event, so it refuses
/// whatever the decoder would refuse, and stays failed after the first refusal.
#[derive(Debug, Default)]
pub struct SseLimits {
    /// Bytes of the current line so far.
    line: usize,
    /// Bytes of the current event's lines so far.
    event: usize,
    /// The last byte was `\r`, so a `\n` next ends nothing new.
    after_cr: bool,
    failed: Option<DecodeError>,
}

impl SseLimits {
    /// Limits at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the next chunk: `Err` as soon as a line or an event passes its limit.
    pub fn check(&mut self, bytes: &[u8]) -> Result<(), DecodeError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        for &byte in bytes {
            let after_cr = std::mem::take(&mut self.after_cr);
            match byte {
                b'\n' if after_cr => {}
                b'\n' | b'\r' => {
                    self.after_cr = byte == b'\r';
                    if self.line == 0 {
                        // A blank line ends the event.
                        self.event = 0;
                    }
                    self.line = 0;
                }
                _ => {
                    self.line += 1;
                    self.event += 1;
                    if self.line > MAX_LINE_BYTES {
                        return Err(self.fail(format!(
                            "a server-sent events line is longer than {MAX_LINE_BYTES} bytes"
                        )));
                    }
                    if self.event > MAX_EVENT_BYTES {
                        return Err(self.fail(format!(
                            "a server-sent event is larger than {MAX_EVENT_BYTES} bytes"
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    fn fail(&mut self, message: String) -> DecodeError {
        let error = DecodeError(message);
        self.failed = Some(error.clone());
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ev(event: Option<&str>, data: &str) -> SseEvent {
        SseEvent {
            event: event.map(str::to_owned),
            data: data.to_owned(),
        }
    }

    fn decode_chunks<'a>(
        chunks: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Vec<SseEvent>, DecodeError> {
        let mut decoder = SseDecoder::new();
        let mut events = Vec::new();
        for chunk in chunks {
            events.extend(decoder.push(chunk)?);
        }
        assert_eq!(decoder.finish()?, None);
        Ok(events)
    }

    fn decode(bytes: &[u8]) -> Vec<SseEvent> {
        decode_chunks([bytes]).expect("decodes")
    }

    #[test]
    fn reads_fields_comments_and_multi_line_data() {
        let events = decode(
            b": keep-alive\nevent: greeting\nid: 7\nretry: 1000\ndata: hello\ndata:  two spaces\nfoo: bar\n\ndata:no space\n\n",
        );
        assert_eq!(
            events,
            [
                ev(Some("greeting"), "hello\n two spaces"),
                ev(None, "no space")
            ]
        );
    }

    #[test]
    fn follows_the_spec_examples() {
        // From the WHATWG spec: a bare `data` line is an empty data line; the unterminated
        // last event is discarded.
        assert_eq!(
            decode(b"data\n\ndata\ndata\n\ndata:"),
            [ev(None, ""), ev(None, "\n")]
        );
        assert_eq!(
            decode(b"data:test\n\ndata: test\n\n"),
            [ev(None, "test"), ev(None, "test")]
        );
    }

    #[test]
    fn an_event_without_data_is_not_dispatched_and_resets_the_type() {
        assert_eq!(
            decode(b"event: lonely\n\ndata: x\n\nevent:\ndata: y\n\n"),
            [ev(None, "x"), ev(None, "y")]
        );
    }

    #[test]
    fn accepts_every_line_ending_even_split_between_chunks() {
        assert_eq!(
            decode(b"data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r"),
            [ev(None, "a\nb\nc"), ev(None, "d")]
        );
        // A `\r` ending one chunk and a `\n` starting the next are one line ending, not two.
        let events =
            decode_chunks([&b"data: a\r"[..], b"\ndata: b\r", b"\n", b"\r\n"]).expect("decodes");
        assert_eq!(events, [ev(None, "a\nb")]);
    }

    #[test]
    fn decodes_utf8_split_between_chunks_and_replaces_invalid_bytes() {
        let bytes = "data: grüße 👋\n\n".as_bytes();
        for at in 0..=bytes.len() {
            let events = decode_chunks([&bytes[..at], &bytes[at..]]).expect("decodes");
            assert_eq!(events, [ev(None, "grüße 👋")], "split at {at}");
        }
        assert_eq!(decode(b"data: a\xffb\n\n"), [ev(None, "a\u{fffd}b")]);
    }

    #[test]
    fn skips_a_byte_order_mark_only_at_the_start() {
        let bytes = "\u{feff}data: a\n\n\u{feff}data: b\n\n".as_bytes();
        let events = decode_chunks([&bytes[..1], &bytes[1..]]).expect("decodes");
        // The second mark starts a line whose field name is not `data`, so it is ignored.
        assert_eq!(events, [ev(None, "a")]);
    }

    #[test]
    fn reports_what_an_unfinished_stream_left_pending() {
        let mut decoder = SseDecoder::new();
        assert!(!decoder.has_partial());
        assert_eq!(decoder.push(b"data: a\n\n").expect("ok").len(), 1);
        assert!(!decoder.has_partial());
        decoder.push(b"data: b\n").expect("ok");
        assert!(decoder.has_partial());
        assert_eq!(decoder.finish(), Ok(None));
        assert!(decoder.has_partial());

        let mut decoder = SseDecoder::new();
        decoder.push(b"data: half a li").expect("ok");
        assert!(decoder.has_partial());
        assert_eq!(decoder.finish(), Ok(None));
    }

    #[test]
    fn an_over_long_line_fails_instead_of_growing() {
        let mut decoder = SseDecoder::new();
        let block = vec![b'a'; 64 * 1024];
        decoder.push(b"data: ").expect("ok");
        let mut fed = 6;
        let error = loop {
            match decoder.push(&block) {
                Ok(events) => assert!(events.is_empty()),
                Err(error) => break error,
            }
            fed += block.len();
            assert!(fed <= MAX_LINE_BYTES, "accepted {fed} bytes in one line");
        };
        assert!(error.0.contains("longer than"));
        assert!(decoder.line.capacity() <= MAX_LINE_BYTES);
        // Failed for good, with nothing kept.
        assert_eq!(decoder.push(b"\n\ndata: x\n\n"), Err(error.clone()));
        assert_eq!(decoder.finish(), Err(error));
        assert!(decoder.line.capacity() == 0 && decoder.data.is_empty());
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_fine() {
        let mut bytes = b"data:".to_vec();
        bytes.resize(MAX_LINE_BYTES, b'x');
        bytes.extend_from_slice(b"\n\n");
        let events = decode(&bytes);
        assert_eq!(events[0].data.len(), MAX_LINE_BYTES - 5);
    }

    #[test]
    fn an_over_large_event_fails() {
        let mut line = b"data:".to_vec();
        line.resize(MAX_LINE_BYTES, b'x');
        line.push(b'\n');
        let mut decoder = SseDecoder::new();
        let mut result = Ok(Vec::new());
        for _ in 0..=(MAX_EVENT_BYTES / MAX_LINE_BYTES) {
            result = decoder.push(&line);
            if result.is_err() {
                break;
            }
        }
        assert!(result.expect_err("too large").0.contains("larger than"));
    }

    #[test]
    fn the_byte_limits_match_the_decoder_at_the_line_limit() {
        for (len, ok) in [(MAX_LINE_BYTES, true), (MAX_LINE_BYTES + 1, false)] {
            let mut bytes = b"data:".to_vec();
            bytes.resize(len, b'x');
            bytes.extend_from_slice(b"\r\n\r\n");
            let mut limits = SseLimits::new();
            let mut decoder = SseDecoder::new();
            let (mut limits_ok, mut decoder_ok) = (true, true);
            for chunk in bytes.chunks(4096) {
                limits_ok &= limits.check(chunk).is_ok();
                decoder_ok &= decoder.push(chunk).is_ok();
            }
            assert_eq!((limits_ok, decoder_ok), (ok, ok), "{len}");
        }
    }

    #[test]
    fn the_byte_limits_refuse_an_endless_event_and_reset_on_a_blank_line() {
        let mut line = b"data: ".to_vec();
        line.resize(64 * 1024, b'y');
        line.push(b'\n');
        // Events just under the limit, closed by blank lines, pass for ever.
        let mut limits = SseLimits::new();
        for _ in 0..3 {
            for _ in 0..(MAX_EVENT_BYTES / line.len()) {
                limits.check(&line).expect("within an event");
            }
            limits.check(b"\n").expect("blank line");
        }
        // Without the blank line the event grows past the limit and is refused, for good.
        let mut fed = 0;
        let error = loop {
            match limits.check(&line) {
                Ok(()) => fed += line.len(),
                Err(error) => break error,
            }
            assert!(fed <= MAX_EVENT_BYTES + line.len(), "accepted {fed} bytes");
        };
        assert!(error.0.contains("larger than"));
        assert_eq!(limits.check(b"\n\ndata: x\n\n"), Err(error));
    }

    #[test]
    fn a_line_with_no_end_is_refused_by_the_byte_limits() {
        let mut limits = SseLimits::new();
        let block = [b'z'; 64 * 1024];
        let mut fed = 0;
        while limits.check(&block).is_ok() {
            fed += block.len();
            assert!(fed <= MAX_LINE_BYTES, "accepted {fed} bytes in one line");
        }
    }

    /// An event as generated, with the noise around it.
    #[derive(Debug, Clone)]
    struct Generated {
        name: Option<String>,
        data: Vec<String>,
        comment: Option<String>,
        id: Option<String>,
        ending: &'static str,
        spaced: bool,
    }

    fn generated() -> impl Strategy<Value = Generated> {
        let text = "[^\r\n]{0,8}";
        (
            prop::option::of("[^\r\n]{1,6}"),
            prop::collection::vec(text, 1..4),
            prop::option::of(text),
            prop::option::of(text),
            prop::sample::select(vec!["\n", "\r\n", "\r"]),
            any::<bool>(),
        )
            .prop_map(|(name, data, comment, id, ending, spaced)| Generated {
                name,
                data,
                comment,
                id,
                ending,
                spaced,
            })
    }

    fn encode(events: &[Generated], bom: bool) -> Vec<u8> {
        let mut out = String::new();
        if bom {
            out.push('\u{feff}');
        }
        for e in events {
            let mut field = |name: &str, value: &str| {
                out.push_str(name);
                out.push(':');
                // One leading space is eaten: add one when the value starts with its own.
                if e.spaced || value.starts_with(' ') {
                    out.push(' ');
                }
                out.push_str(value);
                out.push_str(e.ending);
            };
            if let Some(comment) = &e.comment {
                field("", comment);
            }
            if let Some(name) = &e.name {
                field("event", name);
            }
            if let Some(id) = &e.id {
                field("id", id);
            }
            for line in &e.data {
                field("data", line);
            }
            out.push_str(e.ending);
        }
        out.into_bytes()
    }

    fn expected(events: &[Generated]) -> Vec<SseEvent> {
        events
            .iter()
            .map(|e| SseEvent {
                event: e.name.clone(),
                data: e.data.join("\n"),
            })
            .collect()
    }

    fn chunked<'a>(bytes: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
        let mut chunks = Vec::new();
        let mut rest = bytes;
        for size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (chunk, tail) = rest.split_at((*size).min(rest.len()));
            chunks.push(chunk);
            rest = tail;
        }
        chunks
    }

    fn noisy_byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            any::<u8>(),
            prop::sample::select(b"\n\r: dat".to_vec()),
            Just(0xEF),
        ]
    }

    proptest! {
        // Each case moves a megabyte or two; a few are enough to vary where the line sits and
        // how it is cut.
        #![proptest_config(ProptestConfig { cases: 12, max_shrink_iters: 16, ..ProptestConfig::default() })]

        #[test]
        fn a_huge_line_anywhere_is_refused_in_bounded_memory(
            before in prop::collection::vec(generated(), 0..3),
            after in prop::collection::vec(generated(), 0..3),
            extra in 1usize..70_000,
            field in prop::sample::select(vec!["data: ", "event: ", ": ", "id: ", ""]),
            sizes in prop::collection::vec(1usize..300_000, 1..6),
        ) {
            let mut bytes = encode(&before, false);
            bytes.extend_from_slice(field.as_bytes());
            bytes.resize(bytes.len() + MAX_LINE_BYTES + extra - field.len(), b'h');
            bytes.extend_from_slice(b"\n\n");
            bytes.extend_from_slice(&encode(&after, false));
            let mut decoder = SseDecoder::new();
            let mut limits = SseLimits::new();
            let mut decoded = Ok(());
            let mut checked = Ok(());
            for chunk in chunked(&bytes, &sizes) {
                if decoded.is_ok() {
                    decoded = decoder.push(chunk).map(drop);
                    prop_assert!(decoder.line.capacity() <= 2 * MAX_LINE_BYTES);
                }
                if checked.is_ok() {
                    checked = limits.check(chunk);
                }
            }
            prop_assert!(decoded.expect_err("refused").0.contains("longer than"));
            prop_assert!(checked.expect_err("refused").0.contains("longer than"));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn any_split_gives_the_events_encoded(
            events in prop::collection::vec(generated(), 0..5),
            bom in any::<bool>(),
            sizes in prop::collection::vec(1usize..24, 1..8),
        ) {
            let bytes = encode(&events, bom);
            let want = expected(&events);
            prop_assert_eq!(&decode_chunks([&bytes[..]]).expect("decodes"), &want);
            for at in 0..=bytes.len() {
                prop_assert_eq!(&decode_chunks([&bytes[..at], &bytes[at..]]).expect("decodes"), &want);
            }
            prop_assert_eq!(&decode_chunks(chunked(&bytes, &sizes)).expect("decodes"), &want);
            // Every boundary at once: one byte at a time.
            prop_assert_eq!(&decode_chunks(chunked(&bytes, &[1])).expect("decodes"), &want);
            // The raw-byte limits never refuse a healthy stream, however it is split.
            let mut limits = SseLimits::new();
            for chunk in chunked(&bytes, &sizes) {
                prop_assert!(limits.check(chunk).is_ok());
            }
        }

        #[test]
        fn the_limits_refuse_garbage_only_as_the_decoder_does(
            bytes in prop::collection::vec(noisy_byte(), 0..600),
            sizes in prop::collection::vec(1usize..40, 1..8),
        ) {
            // Short garbage is within every limit: neither refuses it.
            let mut limits = SseLimits::new();
            for chunk in chunked(&bytes, &sizes) {
                prop_assert!(limits.check(chunk).is_ok());
            }
            prop_assert!(decode_chunks([&bytes[..]]).is_ok());
        }

        #[test]
        fn garbage_never_panics_and_chunking_never_matters(
            bytes in prop::collection::vec(noisy_byte(), 0..600),
            sizes in prop::collection::vec(1usize..40, 1..8),
        ) {
            let whole = decode_chunks([&bytes[..]]);
            prop_assert_eq!(&decode_chunks(chunked(&bytes, &sizes)), &whole);
            let mut one = SseDecoder::new();
            let mut many = SseDecoder::new();
            let _ = one.push(&bytes);
            for chunk in chunked(&bytes, &[1]) {
                let _ = many.push(chunk);
            }
            prop_assert_eq!(one.has_partial(), many.has_partial());
        }
    }
}
