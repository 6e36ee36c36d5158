//! Reading the single-picker routing instances of Heßler and Irnich
//! (`../shared/data/routing`, see its PROVENANCE.md) into [`Layout`]s and
//! pick slots. The files stay where they are; the runner takes their
//! directory as an argument.

use oms_core::picking::{Block, Depot, Layout, Slot};

/// One instance: the floor's numbers and, per requested article, the
/// storage positions (aisle, cell) that hold it.
#[derive(Debug, Clone)]
pub struct Instance {
    pub name: String,
    pub aisles: u32,
    pub cells: u32,
    pub depot_aisle: u32,
    pub depot_top: bool,
    pub aisle_pitch: u64,
    /// Per requested article: its positions (aisle, cell; cell 0 next to the top cross aisle).
    pub articles: Vec<Vec<(u32, u32)>>,
    /// Per requested article: the units each of its positions holds.
    pub units: Vec<Vec<u64>>,
    /// Per requested article: the units to pick.
    pub demand: Vec<u64>,
}

fn value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(key)
                .and_then(|r| r.trim_start().strip_prefix(':'))
        })
        .map(str::trim)
}

impl Instance {
    /// Parses an instance file's text (read as Latin-1: the header has a `ß`).
    pub fn parse(name: &str, text: &str) -> Result<Instance, String> {
        let num = |key: &str| -> Result<u32, String> {
            value(text, key)
                .ok_or_else(|| format!("{name}: no {key}"))?
                .parse()
                .map_err(|e| format!("{name}: {key}: {e}"))
        };
        let aisles = num("NUM_AISLES")?;
        let cells = num("NUM_CELLS")?;
        let depot_aisle = num("DEPOT_AISLE")?;
        let depot_top = value(text, "DEPOT_LOCATION") == Some("top");
        let aisle_pitch = u64::from(num("DISTANCE_AISLE_TO_AISLE")?);
        for (key, want) in [
            ("DISTANCE_CELL_TO_CELL", 1),
            ("DISTANCE_TOP_TO_CELL", 1),
            ("DISTANCE_BOTTOM_TO_CELL", 1),
            ("DISTANCE_TOP_OR_BOTTOM_TO_DEPOT", 0),
        ] {
            if num(key)? != want {
                return Err(format!("{name}: {key} is not {want}"));
            }
        }
        let section = |start: &str, end: &str| -> Vec<&str> {
            text.lines()
                .skip_while(|l| l.trim() != start)
                .skip(1)
                .take_while(|l| l.trim() != end)
                .collect()
        };
        let mut positions: std::collections::BTreeMap<u32, Vec<(u32, u32, u64)>> =
            Default::default();
        for l in section("SKU_SECTION", "ORDER_SECTION") {
            let w: Vec<&str> = l.split_whitespace().collect();
            if w.len() >= 8
                && w[0] == "ID"
                && w[2] == "AISLE"
                && w[4] == "CELL"
                && w[6] == "QUANTITY"
            {
                let id: u32 = w[1].parse().map_err(|e| format!("{name}: {e}"))?;
                let aisle = w[3].parse().map_err(|e| format!("{name}: {e}"))?;
                let cell = w[5].parse().map_err(|e| format!("{name}: {e}"))?;
                let units = w[7].parse().map_err(|e| format!("{name}: {e}"))?;
                positions.entry(id).or_default().push((aisle, cell, units));
            }
        }
        let (mut articles, mut units, mut demand) = (Vec::new(), Vec::new(), Vec::new());
        for l in section("ORDER_SECTION", "EOF") {
            let w: Vec<&str> = l.split_whitespace().collect();
            if w.len() >= 4 && w[0] == "ID" && w[2] == "QUANTITY" {
                let id: u32 = w[1].parse().map_err(|e| format!("{name}: {e}"))?;
                let at = positions.get(&id).cloned().unwrap_or_default();
                articles.push(at.iter().map(|p| (p.0, p.1)).collect());
                units.push(at.iter().map(|p| p.2).collect());
                demand.push(w[3].parse().map_err(|e| format!("{name}: {e}"))?);
            }
        }
        Ok(Instance {
            name: name.to_string(),
            aisles,
            cells,
            depot_aisle,
            depot_top,
            aisle_pitch,
            articles,
            units,
            demand,
        })
    }

    /// The floor with `blocks` equal blocks (1, or 2 with the middle cross
    /// aisle between cells `cells/2 - 1` and `cells/2`, as the source
    /// defines its two-block variant). Every cross aisle is 1 from the
    /// nearest cell, cells 1 apart.
    pub fn layout(&self, blocks: u32) -> Layout {
        let bays = self.cells / blocks;
        Layout {
            aisles: self.aisles,
            aisle_pitch: self.aisle_pitch,
            blocks: (0..blocks)
                .map(|_| Block {
                    bays,
                    bay_pitch: 1,
                    front_offset: 1,
                    back_offset: 1,
                })
                .collect(),
            depot: Depot {
                aisle: self.depot_aisle,
                cross_aisle: if self.depot_top { blocks } else { 0 },
            },
        }
    }

    /// A storage position as a slot of [`Instance::layout`]`(blocks)`: the
    /// front is the bottom, so cell 0 (top) is the back bay of the back block.
    pub fn slot(&self, blocks: u32, (aisle, cell): (u32, u32)) -> Slot {
        let bays = self.cells / blocks;
        let from_front = self.cells - 1 - cell;
        Slot {
            block: from_front / bays,
            aisle,
            bay: from_front % bays,
        }
    }

    /// Whether every article has one position (classical SPRP).
    pub fn dedicated(&self) -> bool {
        self.articles.iter().all(|a| a.len() == 1)
    }
}

/// A generated floor for the routing benchmarks: `aisles` aisles 3 apart,
/// `blocks` blocks sharing 90 bays per aisle, the depot at the front of
/// the middle aisle.
pub fn bench_floor(aisles: u32, blocks: u32) -> Layout {
    Layout {
        aisles,
        aisle_pitch: 3,
        blocks: (0..blocks)
            .map(|_| Block {
                bays: 90 / blocks,
                bay_pitch: 1,
                front_offset: 1,
                back_offset: 1,
            })
            .collect(),
        depot: Depot {
            aisle: aisles / 2,
            cross_aisle: 0,
        },
    }
}

/// `n` pick slots spread over `floor` by a fixed xorshift sequence: the
/// same picks every run.
pub fn bench_picks(floor: &Layout, n: usize) -> Vec<Slot> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |m: u32| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % u64::from(m)) as u32
    };
    let blocks = floor.blocks.len() as u32;
    (0..n)
        .map(|_| {
            let block = next(blocks);
            Slot {
                block,
                aisle: next(floor.aisles),
                bay: next(floor.blocks[block as usize].bays),
            }
        })
        .collect()
}
