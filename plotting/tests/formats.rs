//! Every format is a valid file of the requested size, written atomically.

mod common;

use cf_plot::{render, save, save_all, Error, Format, ImageSize};

#[test]
fn png_decodes_with_the_requested_size() {
    let plot = common::stack();
    for (w, h) in [(800, 800), (640, 480), (300, 900)] {
        let size = ImageSize::new(w, h).unwrap();
        let bytes = render(&plot, Format::Png, size).unwrap();
        let (width, height, pixels) = common::decode_png(&bytes);
        assert_eq!((width, height), (w, h));
        // Not blank: the frame, bars and text are there.
        let dark = pixels
            .chunks(3)
            .filter(|p| p.iter().all(|&c| c < 60))
            .count();
        assert!(
            dark > (w * h / 200) as usize,
            "{w}x{h}: only {dark} dark pixels"
        );
    }
}

#[test]
fn text_renders_from_the_embedded_font() {
    // The CMS label sits in the top left corner above the frame: with no font, that area
    // would be white.
    let bytes = render(&common::stack(), Format::Png, ImageSize::default()).unwrap();
    let (w, _, pixels) = common::decode_png(&bytes);
    let dark_in = |x0: u32, x1: u32, y0: u32, y1: u32| {
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let i = ((y * w + x) * 3) as usize;
                pixels[i..i + 3].iter().all(|&c| c < 80)
            })
            .count()
    };
    assert!(dark_in(120, 200, 20, 55) > 200, "no CMS label drawn");
    assert!(dark_in(560, 780, 20, 55) > 200, "no luminosity text drawn");
}

#[test]
fn svg_parses_with_size_and_text() {
    let size = ImageSize::new(640, 480).unwrap();
    let bytes = render(&common::stack(), Format::Svg, size).unwrap();
    let svg = String::from_utf8(bytes).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("width"), Some("640"));
    assert_eq!(root.attribute("height"), Some("480"));
    let texts: Vec<String> = root
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect();
    assert!(texts.iter().any(|t| t == "CMS"), "{texts:?}");
    assert!(
        texts.iter().any(|t| t == "7.98 fb⁻¹ (13.6 TeV)"),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t == "Data / MC"), "{texts:?}");
    assert!(
        root.descendants()
            .filter(|n| n.has_tag_name("rect"))
            .count()
            > 40
    );
}

#[test]
fn pdf_is_complete_with_embedded_font() {
    let bytes = render(&common::stack(), Format::Pdf, ImageSize::default()).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let end = String::from_utf8_lossy(&bytes[bytes.len() - 16..]).to_string();
    assert_eq!(end.trim_end(), end.trim_end().trim_end_matches('\n'));
    assert!(end.trim_end().ends_with("%%EOF"), "ends with {end:?}");
    let text = String::from_utf8_lossy(&bytes);
    // A page, and the text kept as text in an embedded font (not dropped for lack of fonts).
    assert!(text.contains("/Type /Page"));
    assert!(
        text.contains("/FontFile2") || text.contains("/FontFile3"),
        "no embedded font"
    );
}

#[test]
fn files_are_written_atomically_by_extension() {
    let dir = tempfile::tempdir().unwrap();
    let plot = common::stack();
    let stem = dir.path().join("sub/dir/jet1_pt");
    let written = save_all(&plot, &stem, &Format::ALL, ImageSize::default()).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["jet1_pt.png", "jet1_pt.svg", "jet1_pt.pdf"]);
    for p in &written {
        let bytes = std::fs::read(p).unwrap();
        match Format::from_path(p).unwrap() {
            Format::Png => assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n")),
            Format::Svg => assert!(bytes.starts_with(b"<svg")),
            Format::Pdf => assert!(bytes.starts_with(b"%PDF-")),
        }
    }
    // No temporary file is left beside them.
    let listed: Vec<_> = std::fs::read_dir(dir.path().join("sub/dir"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(listed.len(), 3, "{listed:?}");

    let path = dir.path().join("plot.svg");
    save(&plot, &path, ImageSize::default()).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert!(meta.len() > 1000);
    #[cfg(unix)]
    {
        // Readable by others under the usual umask, unlike a private temporary file.
        use std::os::unix::fs::PermissionsExt;
        assert_ne!(
            meta.permissions().mode() & 0o044,
            0,
            "{:o}",
            meta.permissions().mode()
        );
    }
    // Overwriting an existing plot replaces it.
    save(&plot, &path, ImageSize::new(300, 300).unwrap()).unwrap();
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("width=\"300\""));
    let err = save(&plot, dir.path().join("plot.jpg"), ImageSize::default()).unwrap_err();
    assert!(matches!(err, Error::UnknownFormat { .. }), "{err}");
    assert!(err.to_string().contains("plot.jpg"));
    assert!(matches!("gif".parse::<Format>(), Err(Error::FormatName(_))));
    assert!(matches!(ImageSize::new(10, 800), Err(Error::Size { .. })));
}
