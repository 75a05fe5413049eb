//! `TStreamerInfo` records for the classes cf writes (TH1D, TH2D and their members), as ROOT
//! 6 describes them: class versions, checksums and members in streaming order.

use super::buffer::Buffer;

/// One member of a class layout.
enum El {
    /// A base class: name, title, element type (66 TObject, 67 TNamed, 0 other), version,
    /// checksum.
    Base(&'static str, &'static str, i32, i32, u32),
    /// A basic type: name, title, type code, size, type name.
    Basic(&'static str, &'static str, i32, i32, &'static str),
    /// A `TString` member.
    Str(&'static str, &'static str),
    /// An embedded object (`TStreamerObject`, type 61) or any (`TStreamerObjectAny`, 62):
    /// name, title, type, size, type name.
    Obj(&'static str, &'static str, i32, i32, &'static str),
    /// An object pointer (`TStreamerObjectPointer`): name, title, type (63/64), type name.
    Ptr(&'static str, &'static str, i32, &'static str),
    /// A counted array of doubles (`TStreamerBasicPointer`): name, title, count member,
    /// count class, count class version.
    DoublePtr(&'static str, &'static str, &'static str, &'static str, i32),
}

struct Class {
    name: &'static str,
    version: i32,
    checksum: u32,
    elements: Vec<El>,
}

const TOBJECT_SUM: u32 = 2_417_737_773;
const TNAMED_SUM: u32 = 3_753_331_260;
const TH1_SUM: u32 = 473_383_108;

fn classes(with_th2: bool) -> Vec<Class> {
    use El::*;
    let mut out = vec![
        Class {
            name: "TCollection",
            version: 3,
            checksum: 1_474_546_588,
            elements: vec![
                Base("TObject", "Basic ROOT object", 66, 1, TOBJECT_SUM),
                Str("fName", "name of the collection"),
                Basic("fSize", "number of elements in collection", 3, 4, "int"),
            ],
        },
        Class {
            name: "TSeqCollection",
            version: 0,
            checksum: 4_234_951_622,
            elements: vec![Base(
                "TCollection",
                "Collection abstract base class",
                0,
                3,
                1_474_546_588,
            )],
        },
        Class {
            name: "TList",
            version: 5,
            checksum: 1_774_568_379,
            elements: vec![Base(
                "TSeqCollection",
                "Sequenceable collection ABC",
                0,
                0,
                4_234_951_622,
            )],
        },
        Class {
            name: "THashList",
            version: 0,
            checksum: 3_430_828_481,
            elements: vec![Base("TList", "Doubly linked list", 0, 5, 1_774_568_379)],
        },
        Class {
            name: "TAttAxis",
            version: 4,
            checksum: 1_550_843_710,
            elements: vec![
                Basic(
                    "fNdivisions",
                    "Number of divisions(10000*n3 + 100*n2 + n1)",
                    3,
                    4,
                    "int",
                ),
                Basic("fAxisColor", "Color of the line axis", 2, 2, "short"),
                Basic("fLabelColor", "Color of labels", 2, 2, "short"),
                Basic("fLabelFont", "Font for labels", 2, 2, "short"),
                Basic("fLabelOffset", "Offset of labels", 5, 4, "float"),
                Basic("fLabelSize", "Size of labels", 5, 4, "float"),
                Basic("fTickLength", "Length of tick marks", 5, 4, "float"),
                Basic("fTitleOffset", "Offset of axis title", 5, 4, "float"),
                Basic("fTitleSize", "Size of axis title", 5, 4, "float"),
                Basic("fTitleColor", "Color of axis title", 2, 2, "short"),
                Basic("fTitleFont", "Font for axis title", 2, 2, "short"),
            ],
        },
        Class {
            name: "TAxis",
            version: 10,
            checksum: 1_514_761_840,
            elements: vec![
                Base(
                    "TNamed",
                    "The basis for a named object (name, title)",
                    67,
                    1,
                    TNAMED_SUM,
                ),
                Base("TAttAxis", "Axis attributes", 0, 4, 1_550_843_710),
                Basic("fNbins", "Number of bins", 3, 4, "int"),
                Basic("fXmin", "low edge of first bin", 8, 8, "double"),
                Basic("fXmax", "upper edge of last bin", 8, 8, "double"),
                Obj("fXbins", "Bin edges array in X", 62, 24, "TArrayD"),
                Basic("fFirst", "first bin to display", 3, 4, "int"),
                Basic("fLast", "last bin to display", 3, 4, "int"),
                Basic("fBits2", "second bit status word", 12, 2, "unsigned short"),
                Basic(
                    "fTimeDisplay",
                    "on/off displaying time values instead of numerics",
                    18,
                    1,
                    "bool",
                ),
                Str("fTimeFormat", "Date&time format, ex: 09/12/99 12:34:00"),
                Ptr("fLabels", "List of labels", 64, "THashList*"),
                Ptr("fModLabs", "List of modified labels", 64, "TList*"),
            ],
        },
        Class {
            name: "TAttMarker",
            version: 2,
            checksum: 689_802_220,
            elements: vec![
                Basic("fMarkerColor", "Marker color", 2, 2, "short"),
                Basic("fMarkerStyle", "Marker style", 2, 2, "short"),
                Basic("fMarkerSize", "Marker size", 5, 4, "float"),
            ],
        },
        Class {
            name: "TAttFill",
            version: 2,
            checksum: 4_292_422_290,
            elements: vec![
                Basic("fFillColor", "Fill area color", 2, 2, "short"),
                Basic("fFillStyle", "Fill area style", 2, 2, "short"),
            ],
        },
        Class {
            name: "TAttLine",
            version: 2,
            checksum: 2_483_504_457,
            elements: vec![
                Basic("fLineColor", "Line color", 2, 2, "short"),
                Basic("fLineStyle", "Line style", 2, 2, "short"),
                Basic("fLineWidth", "Line width", 2, 2, "short"),
            ],
        },
        Class {
            name: "TString",
            version: 2,
            checksum: 95_257,
            elements: vec![],
        },
        Class {
            name: "TObject",
            version: 1,
            checksum: TOBJECT_SUM,
            elements: vec![
                Basic(
                    "fUniqueID",
                    "object unique identifier",
                    13,
                    4,
                    "unsigned int",
                ),
                Basic("fBits", "bit field status word", 15, 4, "unsigned int"),
            ],
        },
        Class {
            name: "TNamed",
            version: 1,
            checksum: TNAMED_SUM,
            elements: vec![
                Base("TObject", "Basic ROOT object", 66, 1, TOBJECT_SUM),
                Str("fName", "object identifier"),
                Str("fTitle", "object title"),
            ],
        },
        Class {
            name: "TH1",
            version: 8,
            checksum: TH1_SUM,
            elements: vec![
                Base(
                    "TNamed",
                    "The basis for a named object (name, title)",
                    67,
                    1,
                    TNAMED_SUM,
                ),
                Base("TAttLine", "Line attributes", 0, 2, 2_483_504_457),
                Base("TAttFill", "Fill area attributes", 0, 2, 4_292_422_290),
                Base("TAttMarker", "Marker attributes", 0, 2, 689_802_220),
                Basic(
                    "fNcells",
                    "number of bins(1D), cells (2D) +U/Overflows",
                    3,
                    4,
                    "int",
                ),
                Obj("fXaxis", "X axis descriptor", 61, 216, "TAxis"),
                Obj("fYaxis", "Y axis descriptor", 61, 216, "TAxis"),
                Obj("fZaxis", "Z axis descriptor", 61, 216, "TAxis"),
                Basic(
                    "fBarOffset",
                    "(1000*offset) for bar charts or legos",
                    2,
                    2,
                    "short",
                ),
                Basic(
                    "fBarWidth",
                    "(1000*width) for bar charts or legos",
                    2,
                    2,
                    "short",
                ),
                Basic("fEntries", "Number of entries", 8, 8, "double"),
                Basic("fTsumw", "Total Sum of weights", 8, 8, "double"),
                Basic("fTsumw2", "Total Sum of squares of weights", 8, 8, "double"),
                Basic("fTsumwx", "Total Sum of weight*X", 8, 8, "double"),
                Basic("fTsumwx2", "Total Sum of weight*X*X", 8, 8, "double"),
                Basic("fMaximum", "Maximum value for plotting", 8, 8, "double"),
                Basic("fMinimum", "Minimum value for plotting", 8, 8, "double"),
                Basic("fNormFactor", "Normalization factor", 8, 8, "double"),
                Obj(
                    "fContour",
                    "Array to display contour levels",
                    62,
                    24,
                    "TArrayD",
                ),
                Obj(
                    "fSumw2",
                    "Array of sum of squares of weights",
                    62,
                    24,
                    "TArrayD",
                ),
                Str("fOption", "histogram options"),
                Ptr(
                    "fFunctions",
                    "->Pointer to list of functions (fits and user)",
                    63,
                    "TList*",
                ),
                Basic("fBufferSize", "fBuffer size", 6, 4, "int"),
                DoublePtr(
                    "fBuffer",
                    "[fBufferSize] entry buffer",
                    "fBufferSize",
                    "TH1",
                    8,
                ),
                Basic(
                    "fBinStatErrOpt",
                    "option for bin statistical errors",
                    3,
                    4,
                    "TH1::EBinErrorOpt",
                ),
                Basic(
                    "fStatOverflows",
                    "per object flag to use under/overflows in statistics",
                    3,
                    4,
                    "TH1::EStatOverflows",
                ),
            ],
        },
        Class {
            name: "TH1D",
            version: 3,
            checksum: 4_189_148_831,
            elements: vec![
                Base("TH1", "1-Dim histogram base class", 0, 8, TH1_SUM),
                Base("TArrayD", "Array of doubles", 0, 1, 1_899_622_196),
            ],
        },
    ];
    if with_th2 {
        out.push(Class {
            name: "TH2",
            version: 5,
            checksum: 25_310_335,
            elements: vec![
                Base("TH1", "1-Dim histogram base class", 0, 8, TH1_SUM),
                Basic("fScalefactor", "Scale factor", 8, 8, "double"),
                Basic("fTsumwy", "Total Sum of weight*Y", 8, 8, "double"),
                Basic("fTsumwy2", "Total Sum of weight*Y*Y", 8, 8, "double"),
                Basic("fTsumwxy", "Total Sum of weight*X*Y", 8, 8, "double"),
            ],
        });
        out.push(Class {
            name: "TH2D",
            version: 4,
            checksum: 2_142_929_648,
            elements: vec![
                Base("TH2", "2-Dim histogram base class", 0, 5, 25_310_335),
                Base("TArrayD", "Array of doubles", 0, 1, 1_899_622_196),
            ],
        });
    }
    out
}

/// `TStreamerElement` members shared by every element kind.
#[allow(clippy::too_many_arguments)]
fn element(
    b: &mut Buffer,
    name: &str,
    title: &str,
    typ: i32,
    size: i32,
    max_index: [i32; 5],
    type_name: &str,
) {
    let at = b.begin(4);
    b.tnamed(name, title);
    b.i32(typ);
    b.i32(size);
    b.i32(0);
    b.i32(0);
    for m in max_index {
        b.i32(m);
    }
    b.tstring(type_name);
    b.end(at);
}

/// The `StreamerInfo` record: a `TList` of `TStreamerInfo`, for TH1D (and TH2D if used).
pub(crate) fn streamer_list(key_len: usize, with_th2: bool) -> Vec<u8> {
    let mut b = Buffer::new(key_len);
    let classes = classes(with_th2);
    let list = b.begin(5);
    b.tobject();
    b.tstring("");
    b.i32(classes.len() as i32);
    for class in &classes {
        let any = b.begin_any("TStreamerInfo");
        let info = b.begin(9);
        b.tnamed(class.name, "");
        b.u32(class.checksum);
        b.i32(class.version);
        let arr_any = b.begin_any("TObjArray");
        let arr = b.begin(3);
        b.tobject();
        b.tstring("");
        b.i32(class.elements.len() as i32);
        b.i32(0);
        for el in &class.elements {
            match el {
                El::Base(name, title, typ, version, sum) => {
                    let a = b.begin_any("TStreamerBase");
                    let v = b.begin(3);
                    element(
                        &mut b,
                        name,
                        title,
                        *typ,
                        0,
                        [0, *sum as i32, 0, 0, 0],
                        "BASE",
                    );
                    b.i32(*version);
                    b.end(v);
                    b.end(a);
                }
                El::Basic(name, title, typ, size, type_name) => {
                    let a = b.begin_any("TStreamerBasicType");
                    let v = b.begin(2);
                    element(&mut b, name, title, *typ, *size, [0; 5], type_name);
                    b.end(v);
                    b.end(a);
                }
                El::Str(name, title) => {
                    let a = b.begin_any("TStreamerString");
                    let v = b.begin(2);
                    element(&mut b, name, title, 65, 24, [0; 5], "TString");
                    b.end(v);
                    b.end(a);
                }
                El::Obj(name, title, typ, size, type_name) => {
                    let class = if *typ == 61 {
                        "TStreamerObject"
                    } else {
                        "TStreamerObjectAny"
                    };
                    let a = b.begin_any(class);
                    let v = b.begin(2);
                    element(&mut b, name, title, *typ, *size, [0; 5], type_name);
                    b.end(v);
                    b.end(a);
                }
                El::Ptr(name, title, typ, type_name) => {
                    let a = b.begin_any("TStreamerObjectPointer");
                    let v = b.begin(2);
                    element(&mut b, name, title, *typ, 8, [0; 5], type_name);
                    b.end(v);
                    b.end(a);
                }
                El::DoublePtr(name, title, count, count_class, count_version) => {
                    let a = b.begin_any("TStreamerBasicPointer");
                    let v = b.begin(2);
                    element(&mut b, name, title, 48, 8, [0; 5], "double*");
                    b.i32(*count_version);
                    b.tstring(count);
                    b.tstring(count_class);
                    b.end(v);
                    b.end(a);
                }
            }
        }
        b.end(arr);
        b.end(arr_any);
        b.end(info);
        b.end(any);
        // Each list entry is followed by its option string.
        b.u8(0);
    }
    b.end(list);
    b.data
}
