//! XMP (an RDF/XML packet): the capture dates and camera fields `ExifTool` reads from it, for
//! the files that carry them only there (PNG `iTXt` "XML:com.adobe.xmp", screenshots and
//! exports; JPEG `APP1` XMP; WebP `XMP `; TIFF `XMLPacket`). XML parsing is quick-xml's, with
//! namespaces resolved, so any prefix bound to the right namespace URI counts; a property may
//! be an attribute of `rdf:Description` or an element (its first text, also inside
//! `rdf:Alt`/`rdf:Seq`).

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use super::capture_time::DateTime;
use super::container::ContainerMeta;
use super::timefmt;
use crate::probe::record::{time_source, Record};

const NS_EXIF: &[u8] = b"http://ns.adobe.com/exif/1.0/";
const NS_XMP: &[u8] = b"http://ns.adobe.com/xap/1.0/";
const NS_PHOTOSHOP: &[u8] = b"http://ns.adobe.com/photoshop/1.0/";
const NS_TIFF: &[u8] = b"http://ns.adobe.com/tiff/1.0/";

/// Largest XMP packet parsed (real ones are a few KiB; Photoshop's can reach a few MiB).
pub const MAX_XMP: usize = 4 << 20;

/// What albumen takes from an XMP packet.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Xmp {
    /// Capture times, each with its source (strongest first is not implied).
    pub times: Vec<(DateTime, &'static str)>,
    pub make: Option<String>,
    pub model: Option<String>,
    /// Properties present but unreadable (the record's warnings).
    pub warnings: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Property {
    Date(&'static str, &'static str),
    Make,
    Model,
}

fn property(ns: &[u8], local: &[u8]) -> Option<Property> {
    Some(match (ns, local) {
        (NS_EXIF, b"DateTimeOriginal") => {
            Property::Date(time_source::XMP_ORIGINAL, "exif:DateTimeOriginal")
        }
        (NS_PHOTOSHOP, b"DateCreated") => {
            Property::Date(time_source::XMP_DATE_CREATED, "photoshop:DateCreated")
        }
        (NS_XMP, b"CreateDate") => Property::Date(time_source::XMP_CREATE, "xmp:CreateDate"),
        (NS_TIFF, b"Make") => Property::Make,
        (NS_TIFF, b"Model") => Property::Model,
        _ => return None,
    })
}

impl Xmp {
    fn set(&mut self, p: Property, value: &str) {
        let value = value.trim_matches(|c: char| c == '\0' || c.is_whitespace());
        if value.is_empty() {
            return;
        }
        match p {
            Property::Date(source, name) => {
                if self.times.iter().any(|(_, s)| *s == source) {
                    return;
                }
                match timefmt::parse_iso(value) {
                    Some(t) => self.times.push((t, source)),
                    None if !super::capture_time::is_unset(value) => {
                        self.warnings
                            .push(format!("unreadable XMP {name} {value:?}"));
                    }
                    None => {}
                }
            }
            Property::Make => {
                self.make.get_or_insert_with(|| value.to_string());
            }
            Property::Model => {
                self.model.get_or_insert_with(|| value.to_string());
            }
        }
    }
}

/// Parse an XMP packet (the bytes from `<?xpacket` or `<x:xmpmeta` on; leading and trailing
/// padding is fine). Malformed XML gives what was read before the fault plus a warning.
pub fn parse(packet: &[u8]) -> Xmp {
    let mut out = Xmp::default();
    if packet.len() > MAX_XMP {
        out.warnings
            .push(format!("XMP packet of {} bytes not read", packet.len()));
        return out;
    }
    // Writers pad with NULs or spaces; quick-xml takes the bytes from the first '<'.
    let start = packet
        .iter()
        .position(|&b| b == b'<')
        .unwrap_or(packet.len());
    let end = packet
        .iter()
        .rposition(|&b| b == b'>')
        .map_or(start, |e| e + 1);
    let mut reader = NsReader::from_reader(packet.get(start..end).unwrap_or_default());
    let mut open: Option<(Property, usize)> = None;
    let mut depth = 0usize;
    // Events are bounded by the packet's size; a cap keeps a pathological one cheap.
    for _ in 0..1_000_000 {
        let event = match reader.read_resolved_event() {
            Ok((ns, event)) => (resolved(&ns), event),
            Err(e) => {
                out.warnings.push(format!("malformed XMP: {e}"));
                break;
            }
        };
        match event {
            (_, Event::Eof) => break,
            (ns, Event::Start(e)) => {
                depth += 1;
                attributes(&reader, &e, &mut out);
                if open.is_none() {
                    let local = e.local_name();
                    if let Some(p) = ns.and_then(|ns| property(&ns, local.as_ref())) {
                        open = Some((p, depth));
                    }
                }
            }
            (_, Event::Empty(e)) => attributes(&reader, &e, &mut out),
            (_, Event::Text(t)) => {
                if let Some((p, _)) = open {
                    if let Ok(text) = t.decode() {
                        if !text.trim().is_empty() {
                            let text = quick_xml::escape::unescape(&text)
                                .map_or_else(|_| text.to_string(), std::borrow::Cow::into_owned);
                            out.set(p, &text);
                            open = None;
                        }
                    }
                }
            }
            (_, Event::End(_)) => {
                if open.is_some_and(|(_, d)| d == depth) {
                    open = None;
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    out
}

/// Merge a packet into a record: its times compete by rank with the others; make and model
/// only where the EXIF (read before or after) gives none.
pub fn apply(packet: &[u8], rec: &mut Record) {
    let x = parse(packet);
    for (t, source) in x.times {
        super::capture_time::offer(&mut rec.captured, t.capture_time(source));
    }
    if rec.make.is_none() {
        rec.make = x.make;
    }
    if rec.model.is_none() {
        rec.model = x.model;
    }
    for w in x.warnings {
        super::add_warning(rec, w);
    }
}

/// Merge a packet into what a container parser found (see [`apply`]).
pub fn apply_to_meta(packet: &[u8], meta: &mut ContainerMeta) {
    let x = parse(packet);
    meta.more_times.extend(x.times);
    if meta.make.is_none() {
        meta.make = x.make;
    }
    if meta.model.is_none() {
        meta.model = x.model;
    }
    meta.warnings.extend(x.warnings);
}

fn resolved(ns: &ResolveResult<'_>) -> Option<Vec<u8>> {
    match ns {
        ResolveResult::Bound(n) => Some(n.as_ref().to_vec()),
        _ => None,
    }
}

/// Properties written as attributes (`<rdf:Description exif:DateTimeOriginal="...">`).
fn attributes(reader: &NsReader<&[u8]>, e: &quick_xml::events::BytesStart<'_>, out: &mut Xmp) {
    for attr in e.attributes().with_checks(false).flatten() {
        let (ns, local) = reader.resolve_attribute(attr.key);
        let Some(ns) = resolved(&ns) else { continue };
        if let Some(p) = property(&ns, local.as_ref()) {
            if let Ok(v) = attr.unescape_value() {
                out.set(p, &v);
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An XMP packet with `props` as attributes of one `rdf:Description` and `elements` as
    /// child elements (fixtures).
    pub fn packet(attrs: &str, elements: &str) -> Vec<u8> {
        format!(
            "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\
             <x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF \
             xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
             <rdf:Description rdf:about=\"\" xmlns:exif=\"http://ns.adobe.com/exif/1.0/\" \
             xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" \
             xmlns:photoshop=\"http://ns.adobe.com/photoshop/1.0/\" \
             xmlns:tiff=\"http://ns.adobe.com/tiff/1.0/\" {attrs}>{elements}</rdf:Description>\
             </rdf:RDF></x:xmpmeta>{}<?xpacket end=\"w\"?>",
            " ".repeat(100)
        )
        .into_bytes()
    }

    #[test]
    fn attributes_and_elements() {
        let x = parse(&packet(
            "exif:DateTimeOriginal=\"2023-07-14T18:03:22.5+02:00\" tiff:Make=\"Apple\"",
            "<xmp:CreateDate>2023-07-14T18:03:21</xmp:CreateDate>\
             <tiff:Model><rdf:Alt><rdf:li xml:lang=\"x-default\">iPhone 14 Pro</rdf:li></rdf:Alt></tiff:Model>\
             <photoshop:DateCreated>2023-07-14</photoshop:DateCreated>",
        ));
        let iso: Vec<_> = x
            .times
            .iter()
            .map(|(t, s)| (t.to_iso(), t.offset_minutes, *s))
            .collect();
        assert_eq!(
            iso,
            vec![
                (
                    "2023-07-14T18:03:22.500".into(),
                    Some(120),
                    time_source::XMP_ORIGINAL
                ),
                ("2023-07-14T18:03:21".into(), None, time_source::XMP_CREATE),
                (
                    "2023-07-14T00:00:00".into(),
                    None,
                    time_source::XMP_DATE_CREATED
                ),
            ]
        );
        assert_eq!(x.make.as_deref(), Some("Apple"));
        assert_eq!(x.model.as_deref(), Some("iPhone 14 Pro"));
        assert!(x.warnings.is_empty(), "{:?}", x.warnings);
    }

    #[test]
    fn other_prefixes_bad_dates_and_garbage() {
        let x = parse(
            b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>\
              <rdf:Description xmlns:E='http://ns.adobe.com/exif/1.0/' E:DateTimeOriginal='2019:10:16 19:01:00Z'/>\
              <rdf:Description xmlns:p='http://ns.adobe.com/photoshop/1.0/'><p:DateCreated>yesterday</p:DateCreated></rdf:Description>\
              </rdf:RDF></x:xmpmeta>",
        );
        assert_eq!(x.times.len(), 1);
        assert_eq!(x.times[0].0.offset_minutes, Some(0));
        assert_eq!(x.warnings.len(), 1, "{:?}", x.warnings);
        assert!(x.warnings[0].contains("photoshop:DateCreated"));
        let x = parse(b"<a><b attr='x'></a>");
        assert!(x.times.is_empty());
        let p = packet("exif:DateTimeOriginal=\"2023-07-14T18:03:22\"", "");
        crate::probe::source::never_panics(&p, |src| parse(src.head()));
    }
}
