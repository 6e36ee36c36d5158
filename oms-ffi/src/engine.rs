//! The `Engine` object: the core engine behind a mutex, with the JSON path
//! (every command), typed commands, and typed queries.

use std::sync::{Arc, Mutex, MutexGuard};

use oms_core as core_;

use crate::types::{
    format_time, parse_time, parse_time_field, Address, ChannelDef, Event, Location, OrderCount,
    OrderRecord, OrderStatus, ParcelInput, PlaceOrder, Product, ReceiveStock, RecordPayment, Ship,
    ShipmentRecord, SourcingPolicy, StockHold, StockLevelRecord, TrackingStatus,
};
use crate::OmsFfiError;

type Result<T, E = OmsFfiError> = std::result::Result<T, E>;

/// The order management engine, shared safely between threads.
///
/// Every call locks the engine for its duration, so commands from several
/// threads are applied one at a time, each completely or not at all.
/// Commands take their time `at` as an RFC 3339 string (the engine reads
/// no clock) and return the events they recorded: store those, and feed
/// them to another engine with [`Engine::apply_events`] or
/// [`Engine::replay`] to keep it in sync.
#[derive(Debug, uniffi::Object)]
pub struct Engine {
    inner: Mutex<core_::Engine>,
}

impl Engine {
    fn wrap(engine: core_::Engine) -> Arc<Self> {
        Arc::new(Engine {
            inner: Mutex::new(engine),
        })
    }

    /// Locks the engine. A poisoned lock (a panic while it was held) is an
    /// `internal` error rather than a second panic.
    pub(crate) fn lock(&self) -> Result<MutexGuard<'_, core_::Engine>> {
        self.inner
            .lock()
            .map_err(|_| OmsFfiError::internal("the engine's lock is poisoned"))
    }

    #[cfg(test)]
    pub(crate) fn inner_for_tests(&self) -> &Mutex<core_::Engine> {
        &self.inner
    }

    /// Executes one core command at `at` and converts the events: the one
    /// path every typed command takes.
    pub(crate) fn run(&self, command: impl Into<core_::Command>, at: &str) -> Result<Vec<Event>> {
        let events = self.execute(command.into(), at)?;
        events.iter().map(Event::from_core).collect()
    }

    /// Parses `at` and executes a core command.
    fn execute(&self, command: core_::Command, at: &str) -> Result<Vec<core_::Event>> {
        let at = parse_time(at)?;
        Ok(self.lock()?.execute(command, at)?)
    }

    /// Folds events in order; stops at the first that does not fit.
    fn apply_all(&self, events: &[core_::Event]) -> Result<u64> {
        let mut engine = self.lock()?;
        for (n, event) in events.iter().enumerate() {
            engine
                .try_apply(event)
                .map_err(|e| core_::OmsError::Conflict {
                    message: format!("event {n} ({}) does not fit: {e}", event.name()),
                })?;
        }
        Ok(events.len() as u64)
    }
}

fn parse_config(config_json: Option<String>) -> Result<core_::Config> {
    Ok(match config_json {
        Some(json) => core_::Config::from_json(&json)?,
        None => core_::Config::default(),
    })
}

pub(crate) fn parse_events(events_json: &str) -> Result<Vec<core_::Event>> {
    serde_json::from_str(events_json)
        .map_err(|e| OmsFfiError::validation("events", format!("not a JSON array of events: {e}")))
}

fn json_failed(e: serde_json::Error) -> OmsFfiError {
    OmsFfiError::internal(format!("to JSON: {e}"))
}

#[uniffi::export]
impl Engine {
    // ------------------------------------------------------------------
    // Construction and state
    // ------------------------------------------------------------------

    /// A new, empty engine. `config_json` is the core's `Config` as JSON
    /// (e.g. `{"require_payment": false}`); `None` is the default config.
    #[uniffi::constructor(default(config_json = None))]
    pub fn new(config_json: Option<String>) -> Result<Arc<Self>> {
        Ok(Engine::wrap(core_::Engine::new(parse_config(config_json)?)))
    }

    /// Restores an engine from [`Engine::snapshot`] bytes.
    #[uniffi::constructor]
    pub fn from_snapshot(bytes: Vec<u8>) -> Result<Arc<Self>> {
        Ok(Engine::wrap(core_::Engine::from_snapshot(&bytes)?))
    }

    /// Rebuilds an engine from an event log: a JSON array of events, as
    /// returned by [`Engine::execute_json`] or the `json` of [`Event`]s.
    #[uniffi::constructor]
    pub fn replay(config_json: Option<String>, events_json: String) -> Result<Arc<Self>> {
        let config = parse_config(config_json)?;
        let events = parse_events(&events_json)?;
        Ok(Engine::wrap(core_::Engine::replay(config, &events)?))
    }

    /// The whole state as bytes (deterministic: same state, same bytes).
    pub fn snapshot(&self) -> Result<Vec<u8>> {
        Ok(self.lock()?.snapshot())
    }

    /// Folds events recorded by another engine into this one (e.g. a
    /// picker's device syncing with the back office). Events are applied in
    /// order; the first that does not fit stops the batch with a `conflict`
    /// naming its index, and the ones before it stay applied. Returns the
    /// number applied.
    pub fn apply_events(&self, events: Vec<Event>) -> Result<u64> {
        let events = events
            .iter()
            .map(|e| Ok(core_::Event::from_json(&e.json)?))
            .collect::<Result<Vec<_>>>()?;
        self.apply_all(&events)
    }

    /// [`Engine::apply_events`] for a JSON array of events.
    pub fn apply_events_json(&self, events_json: String) -> Result<u64> {
        self.apply_all(&parse_events(&events_json)?)
    }

    /// Number of events folded into this state so far.
    pub fn events_applied(&self) -> Result<u64> {
        Ok(self.lock()?.events_applied())
    }

    /// The engine's configuration as JSON.
    pub fn config_json(&self) -> Result<String> {
        serde_json::to_string(self.lock()?.config()).map_err(json_failed)
    }

    /// The first violated internal invariant, or `None` when the state is
    /// consistent (for tests and diagnostics).
    pub fn invariant_violation(&self) -> Result<Option<String>> {
        Ok(self.lock()?.check_invariants().err())
    }

    // ------------------------------------------------------------------
    // Commands
    // ------------------------------------------------------------------

    /// Executes any command given as JSON (`{"type": "place_order", ...}`,
    /// see the project README) at `at_rfc3339`, and returns the recorded
    /// events as a JSON array. The object may also carry `idempotency_key`
    /// and `expected_version` (see the README's "Several writers").
    pub fn execute_json(&self, command_json: String, at_rfc3339: String) -> Result<String> {
        let (command, options) = core_::Command::from_json_with_options(&command_json)?;
        let at = parse_time(&at_rfc3339)?;
        let events = self.lock()?.execute_with(command, &options, at)?;
        serde_json::to_string(&events).map_err(json_failed)
    }

    /// Creates or updates a location.
    pub fn define_location(&self, location: Location, at: String) -> Result<Vec<Event>> {
        self.run(core_::DefineLocation::from(location), &at)
    }

    /// Creates or updates a product (a kit when it has components).
    pub fn define_product(&self, product: Product, at: String) -> Result<Vec<Event>> {
        self.run(product.into_command()?, &at)
    }

    /// Puts units into stock at a location.
    pub fn receive_stock(&self, receipt: ReceiveStock, at: String) -> Result<Vec<Event>> {
        self.run(core_::ReceiveStock::from(receipt), &at)
    }

    /// Changes on-hand by `delta` (positive or negative) for a reason.
    ///
    /// When on-hand falls below what is reserved there, the lowest-priority
    /// reservations are released (`allocation_released`) and their orders
    /// re-sourced or backordered.
    pub fn adjust_stock(
        &self,
        sku: String,
        location_id: String,
        delta: i64,
        reason: String,
        at: String,
    ) -> Result<Vec<Event>> {
        let command = core_::AdjustStock {
            sku: sku.into(),
            location_id: location_id.into(),
            delta,
            reason,
        };
        self.run(command, &at)
    }

    /// A cycle count: records the adjustment that makes on-hand `counted`.
    ///
    /// When on-hand falls below what is reserved there, the lowest-priority
    /// reservations are released (`allocation_released`) and their orders
    /// re-sourced or backordered.
    pub fn count_stock(
        &self,
        sku: String,
        location_id: String,
        counted: u64,
        at: String,
    ) -> Result<Vec<Event>> {
        let command = core_::CountStock {
            sku: sku.into(),
            location_id: location_id.into(),
            counted,
        };
        self.run(command, &at)
    }

    /// Sets the units kept back from allocation and sale at a location.
    pub fn set_safety_stock(
        &self,
        sku: String,
        location_id: String,
        quantity: u64,
        at: String,
    ) -> Result<Vec<Event>> {
        let command = core_::SetSafetyStock {
            sku: sku.into(),
            location_id: location_id.into(),
            quantity,
        };
        self.run(command, &at)
    }

    /// Places a customer order.
    pub fn place_order(&self, order: PlaceOrder, at: String) -> Result<Vec<Event>> {
        self.run(order.into_command()?, &at)
    }

    /// Records a payment event from a payment provider.
    pub fn record_payment(&self, payment: RecordPayment, at: String) -> Result<Vec<Event>> {
        self.run(payment.into_command()?, &at)
    }

    /// Puts a named hold on an order.
    pub fn place_hold(
        &self,
        order_id: String,
        hold: String,
        note: Option<String>,
        at: String,
    ) -> Result<Vec<Event>> {
        let command = core_::PlaceHold {
            order_id: order_id.into(),
            hold: hold.into(),
            note,
        };
        self.run(command, &at)
    }

    /// Lifts a named hold from an order.
    pub fn release_hold(&self, order_id: String, hold: String, at: String) -> Result<Vec<Event>> {
        let command = core_::ReleaseHold {
            order_id: order_id.into(),
            hold: hold.into(),
        };
        self.run(command, &at)
    }

    /// Allocates one order, or with `None` every releasable order.
    pub fn allocate(&self, order_id: Option<String>, at: String) -> Result<Vec<Event>> {
        let command = core_::Allocate {
            order_id: order_id.map(Into::into),
        };
        self.run(command, &at)
    }

    /// Defines a sales channel, or redefines it: the locations it sells
    /// from and the buffer it keeps back. Records nothing when the
    /// definition is unchanged.
    pub fn define_channel(&self, channel: ChannelDef, at: String) -> Result<Vec<Event>> {
        self.run(channel.into_command()?, &at)
    }

    /// Replaces the sourcing policy that every allocation follows from now
    /// on. Records nothing when the policy is unchanged.
    pub fn set_sourcing_policy(&self, policy: SourcingPolicy, at: String) -> Result<Vec<Event>> {
        self.run(policy.into_command()?, &at)
    }

    /// Moves an order's reservations to the locations the sourcing policy
    /// prefers now (e.g. after stock arrived nearer). Records nothing when
    /// the order already holds that plan, or the new one would reserve fewer
    /// units.
    pub fn reallocate(&self, order_id: String, at: String) -> Result<Vec<Event>> {
        let command = core_::Reallocate {
            order_id: order_id.into(),
        };
        self.run(command, &at)
    }

    /// Merges orders of one customer to one address into a shipment group
    /// sourced together, named by `into_order_id` (default: the earliest
    /// placed); their reservations are re-planned together at once.
    pub fn merge_orders(
        &self,
        order_ids: Vec<String>,
        into_order_id: Option<String>,
        at: String,
    ) -> Result<Vec<Event>> {
        let command = core_::MergeOrders {
            order_ids: order_ids.into_iter().map(Into::into).collect(),
            into_order_id: into_order_id.map(Into::into),
        };
        self.run(command, &at)
    }

    /// Dissolves the merge group `order_id` belongs to; reservations stay.
    pub fn unmerge_orders(&self, order_id: String, at: String) -> Result<Vec<Event>> {
        let command = core_::UnmergeOrders {
            order_id: order_id.into(),
        };
        self.run(command, &at)
    }

    /// Splits an order's lines into shipment groups (line ids, every line
    /// once), each sourced on its own; one group undoes a split.
    pub fn split_order(
        &self,
        order_id: String,
        groups: Vec<Vec<String>>,
        at: String,
    ) -> Result<Vec<Event>> {
        let command = core_::SplitOrder {
            order_id: order_id.into(),
            groups: groups
                .into_iter()
                .map(|g| g.into_iter().map(Into::into).collect())
                .collect(),
        };
        self.run(command, &at)
    }

    /// Holds stock for a checkout until its `expires_at`; the channel's
    /// sellable stock must cover it.
    pub fn hold_stock(&self, hold: StockHold, at: String) -> Result<Vec<Event>> {
        self.run(hold.into_command()?, &at)
    }

    /// Turns a cart hold into the claim of the order placed at checkout
    /// (the order needs a line of the held SKU); a releasable order is
    /// allocated at once.
    pub fn convert_hold(
        &self,
        hold_id: String,
        order_id: String,
        at: String,
    ) -> Result<Vec<Event>> {
        let command = core_::ConvertHold {
            hold_id: hold_id.into(),
            order_id: order_id.into(),
        };
        self.run(command, &at)
    }

    /// Ends a cart hold early (the cart was abandoned or emptied).
    pub fn release_stock_hold(&self, hold_id: String, at: String) -> Result<Vec<Event>> {
        let command = core_::ReleaseStockHold {
            hold_id: hold_id.into(),
        };
        self.run(command, &at)
    }

    /// Ends every cart hold whose `expires_at` is not after `at`. The engine
    /// has no clock: call this at [`Engine::next_hold_expiry`].
    pub fn expire_holds(&self, at: String) -> Result<Vec<Event>> {
        self.run(core_::ExpireHolds {}, &at)
    }

    /// Ships allocated units of an order from one location.
    pub fn ship(&self, shipment: Ship, at: String) -> Result<Vec<Event>> {
        self.run(core_::Ship::from(shipment), &at)
    }

    /// Confirms that a shipment reached the customer.
    pub fn confirm_delivery(&self, shipment_id: String, at: String) -> Result<Vec<Event>> {
        let command = core_::ConfirmDelivery {
            shipment_id: shipment_id.into(),
        };
        self.run(command, &at)
    }

    /// "Arrives by" for one unit of each SKU to `destination`, for an order
    /// placed `at` (RFC 3339), over the locations with stock and the
    /// config's shipping services.
    pub fn delivery_promise(
        &self,
        skus: Vec<String>,
        destination: Address,
        at: String,
    ) -> Result<crate::shipping::Promise> {
        let at = parse_time(&at)?;
        let skus: Vec<core_::Sku> = skus.into_iter().map(Into::into).collect();
        Ok(self
            .lock()?
            .delivery_promise(&skus, &destination.into(), at)?
            .into())
    }

    /// A packed order's labels before it ships, one per parcel, by the
    /// service chosen when it was packed.
    pub fn packed_labels(&self, order_id: String) -> Result<Vec<crate::shipping::Label>> {
        Ok(self
            .lock()?
            .packed_labels(&order_id)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// A shipment's labels, one per parcel, as ZPL and plain fields.
    pub fn shipment_labels(&self, shipment_id: String) -> Result<Vec<crate::shipping::Label>> {
        Ok(self
            .lock()?
            .shipment_labels(&shipment_id)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Packs the order's ready units at a location into parcels: the
    /// engine chooses cartons from the config's `cartons` when `parcels`
    /// is null, else the parcels must hold exactly the ready units. A
    /// `ship` without lines then ships them.
    pub fn pack(
        &self,
        order_id: String,
        location_id: Option<String>,
        parcels: Option<Vec<ParcelInput>>,
        at: String,
    ) -> Result<Vec<Event>> {
        let command = core_::Pack {
            order_id: order_id.into(),
            location_id: location_id.map(Into::into),
            parcels: parcels.map(|ps| {
                ps.into_iter()
                    .map(|p| core_::ParcelInput {
                        carton_id: p.carton_id.map(Into::into),
                        lines: p.lines.into_iter().map(Into::into).collect(),
                    })
                    .collect()
            }),
        };
        self.run(command, &at)
    }

    /// Records a carrier's tracking status for a shipment, seen by the
    /// carrier at `reported_at` (RFC 3339; the command's `at`); `delivered`
    /// delivers its lines, `exception` also records `shipment_exception`.
    pub fn record_tracking_event(
        &self,
        shipment_id: String,
        status: TrackingStatus,
        reported_at: String,
        message: Option<String>,
        at: String,
    ) -> Result<Vec<Event>> {
        let command = core_::RecordTrackingEvent {
            shipment_id: shipment_id.into(),
            status: status.into(),
            at: parse_time_field("reported_at", &reported_at)?,
            message,
        };
        self.run(command, &at)
    }

    /// Cancels every open (unshipped) unit of an order.
    pub fn cancel_order(&self, order_id: String, reason: String, at: String) -> Result<Vec<Event>> {
        let command = core_::CancelOrder {
            order_id: order_id.into(),
            reason,
        };
        self.run(command, &at)
    }

    /// Cancels `quantity` open units of one order line.
    pub fn cancel_line(
        &self,
        order_id: String,
        line_id: String,
        quantity: u64,
        reason: String,
        at: String,
    ) -> Result<Vec<Event>> {
        let command = core_::CancelLine {
            order_id: order_id.into(),
            line_id: line_id.into(),
            quantity,
            reason,
        };
        self.run(command, &at)
    }

    // ------------------------------------------------------------------
    // Queries
    // ------------------------------------------------------------------

    /// One order, with its derived status and per-line quantities.
    pub fn order(&self, order_id: String) -> Result<OrderRecord> {
        Ok(self.lock()?.order(&order_id)?.into())
    }

    /// Orders sorted by id, optionally only those with `status`.
    #[uniffi::method(default(status = None))]
    pub fn orders(&self, status: Option<OrderStatus>) -> Result<Vec<OrderRecord>> {
        let orders = self.lock()?.orders(status.map(Into::into));
        Ok(orders.into_iter().map(Into::into).collect())
    }

    /// Number of orders per status (every status listed, zeros included).
    pub fn order_counts(&self) -> Result<Vec<OrderCount>> {
        let counts = self.lock()?.order_counts();
        Ok(counts
            .into_iter()
            .map(|(status, count)| OrderCount {
                status: status.into(),
                count: count as u64,
            })
            .collect())
    }

    /// Stock of one SKU at one location.
    pub fn stock(&self, sku: String, location_id: String) -> Result<StockLevelRecord> {
        Ok(self.lock()?.stock(&sku, &location_id)?.into())
    }

    /// Stock of one SKU at every location, sorted by location id.
    pub fn stock_levels(&self, sku: String) -> Result<Vec<StockLevelRecord>> {
        let levels = self.lock()?.stock_levels(&sku)?;
        Ok(levels.into_iter().map(Into::into).collect())
    }

    /// Sellable units: at one location, or across the network (minus open
    /// demand that is not yet allocated) with `None`.
    #[uniffi::method(default(location_id = None))]
    pub fn available(&self, sku: String, location_id: Option<String>) -> Result<u64> {
        Ok(self.lock()?.available(&sku, location_id.as_deref())?)
    }

    /// A product by SKU.
    pub fn product(&self, sku: String) -> Result<Product> {
        Ok(self.lock()?.product(&sku)?.into())
    }

    /// Every product, sorted by SKU.
    pub fn products(&self) -> Result<Vec<Product>> {
        Ok(self
            .lock()?
            .products()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// A location by id.
    pub fn location(&self, location_id: String) -> Result<Location> {
        Ok(self.lock()?.location(&location_id)?.into())
    }

    /// Every location, sorted by id.
    pub fn locations(&self) -> Result<Vec<Location>> {
        Ok(self
            .lock()?
            .locations()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// A shipment by id.
    pub fn shipment(&self, shipment_id: String) -> Result<ShipmentRecord> {
        Ok(self.lock()?.shipment(&shipment_id)?.into())
    }

    /// A defined channel; `not_found` for a channel never defined.
    pub fn channel(&self, channel: String) -> Result<ChannelDef> {
        Ok(self.lock()?.channel(&channel)?.into())
    }

    /// Every defined channel, sorted by name.
    pub fn channels(&self) -> Result<Vec<ChannelDef>> {
        Ok(self
            .lock()?
            .channels()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The sourcing policy in force.
    pub fn sourcing_policy(&self) -> Result<SourcingPolicy> {
        Ok(self.lock()?.sourcing_policy().clone().into())
    }

    /// Every cart hold in force, sorted by id.
    pub fn stock_holds(&self) -> Result<Vec<StockHold>> {
        Ok(self
            .lock()?
            .stock_holds()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// When the next cart hold lapses (RFC 3339 UTC): the time to call
    /// [`Engine::expire_holds`] at; `None` when no hold is in force.
    pub fn next_hold_expiry(&self) -> Result<Option<String>> {
        Ok(self.lock()?.next_hold_expiry().map(format_time))
    }

    /// What a sales channel may sell of a SKU now: available stock at the
    /// channel's fulfilling, unpaused locations, less open unallocated
    /// demand and cart holds of the SKU, less the channel's buffer. A
    /// channel never defined sells from every location with no buffer.
    pub fn channel_available(&self, channel: String, sku: String) -> Result<u64> {
        Ok(self.lock()?.channel_available(&channel, &sku)?)
    }
}
