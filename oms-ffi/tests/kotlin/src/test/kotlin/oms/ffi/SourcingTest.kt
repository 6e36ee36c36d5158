package oms.ffi

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import uniffi.oms_ffi.ChannelBuffer
import uniffi.oms_ffi.ChannelDef
import uniffi.oms_ffi.CostTable
import uniffi.oms_ffi.CustomerTier
import uniffi.oms_ffi.Engine
import uniffi.oms_ffi.Event
import uniffi.oms_ffi.Location
import uniffi.oms_ffi.LocationKind
import uniffi.oms_ffi.OmsFfiException
import uniffi.oms_ffi.OrderStatus
import uniffi.oms_ffi.Product
import uniffi.oms_ffi.ReceiveStock
import uniffi.oms_ffi.ShippingRate
import uniffi.oms_ffi.ShippingZone
import uniffi.oms_ffi.SourcingPolicy
import uniffi.oms_ffi.SourcingRule
import uniffi.oms_ffi.StockHold
import uniffi.oms_ffi.explanationSummary

/** Brooklyn, NY: near WH2 (New York), far from WH1 (Springfield, IL). */
val BROOKLYN = ADA.copy(city = "Brooklyn", postalCode = "11201", region = "NY", lat = 40.69, lon = -73.99)

/**
 * WH1 in Springfield, IL and WH2 in New York, `stock` MUGs each, no payment
 * required (orders are releasable once placed).
 */
fun twoWarehouses(stock: ULong = 10uL): Engine {
    val engine = Engine("""{"require_payment": false}""")
    engine.defineLocation(Location(locationId = "WH1", name = "Springfield", kind = LocationKind.WAREHOUSE, lat = 39.80, lon = -89.64), AT)
    engine.defineLocation(Location(locationId = "WH2", name = "New York", kind = LocationKind.WAREHOUSE, lat = 40.71, lon = -74.01), AT)
    engine.defineProduct(Product(sku = "MUG", name = "Mug", weightG = 350uL), AT)
    for (location in listOf("WH1", "WH2")) {
        if (stock > 0uL) engine.receiveStock(ReceiveStock(sku = "MUG", locationId = location, quantity = stock), AT)
    }
    return engine
}

fun brooklynOrder(orderId: String, quantity: ULong, channel: String = "web") =
    order(orderId, "MUG" to quantity).copy(channel = channel, shipTo = BROOKLYN)

/** Where an order's first line is reserved: location id to units. */
fun heldAt(engine: Engine, orderId: String) =
    engine.order(orderId).lines[0].allocations.associate { it.locationId to it.quantity }

fun List<Event>.kinds() = map { it.kind }

class SourcingTest {
    /** Shipping from WH1 is cheaper than from WH2 everywhere in the US. */
    private val cheapFromSpringfield = CostTable(
        zones = listOf(ShippingZone(zone = "us", country = "US")),
        rates = listOf(
            ShippingRate(locationId = "WH1", zone = "us", perShipment = usd("4.00"), perKg = usd("0.50")),
            ShippingRate(locationId = "WH2", zone = "us", perShipment = usd("6.50"), perKg = usd("0.75")),
        ),
        splitPenalty = usd("2.00"),
    )

    @Test
    fun `a policy and a channel decide the location, and the explanation says why`() {
        twoWarehouses().use { engine ->
            val policy = SourcingPolicy(
                rules = listOf(SourcingRule.ShipComplete, SourcingRule.LowestCost(table = cheapFromSpringfield), SourcingRule.Nearest),
                maxShipments = 1u,
            )
            assertEquals(listOf("sourcing_policy_set"), engine.setSourcingPolicy(policy, AT).kinds())
            assertEquals(policy, engine.sourcingPolicy())
            assertTrue(engine.setSourcingPolicy(policy, AT).isEmpty(), "the same policy records nothing")

            // The app sells only from New York, with a 10% buffer.
            val app = ChannelDef(channel = "app", locationIds = listOf("WH2"), buffer = ChannelBuffer(percent = "10"))
            val defined = engine.defineChannel(app, AT)
            assertEquals(listOf("channel_defined", "availability_changed"), defined.kinds())
            assertTrue(defined[1].json.contains("\"available\":9"), defined[1].json)
            assertEquals(app, engine.channel("app"))
            assertEquals(listOf(app), engine.channels())
            assertEquals(9uL, engine.channelAvailable("app", "MUG"), "10 at WH2 less 10%")
            assertEquals(20uL, engine.channelAvailable("web", "MUG"), "an undefined channel sells everything")

            // The web order goes to the cheaper WH1 though WH2 is nearer.
            engine.placeOrder(brooklynOrder("SO-WEB", 2uL).copy(customerTier = CustomerTier.VIP), AT)
            val web = engine.allocate("SO-WEB", AT).single { it.kind == "order_allocated" }
            assertEquals(mapOf("WH1" to 2uL), heldAt(engine, "SO-WEB"))
            assertTrue(web.json.contains(""""chosen":[{"location_id":"WH1","units":2,"won_by":"lowest_cost","runner_up":"WH2"}]"""), web.json)
            assertEquals("WH1 took 2 units: it beat WH2 on lowest_cost.", explanationSummary(web.json))
            engine.order("SO-WEB").let {
                assertEquals(OrderStatus.ALLOCATED, it.status)
                assertEquals(CustomerTier.VIP, it.customerTier)
                assertTrue(it.version > 1uL, "placing and allocating are events about the order")
            }

            // The app order may only come from WH2: the explanation says WH1 was left out for the channel.
            engine.placeOrder(brooklynOrder("SO-APP", 3uL, channel = "app"), AT)
            val app3 = engine.allocate("SO-APP", AT).single { it.kind == "order_allocated" }
            assertEquals(mapOf("WH2" to 3uL), heldAt(engine, "SO-APP"))
            assertTrue(app3.json.contains(""""excluded":[{"location_id":"WH1","reason":"channel"}]"""), app3.json)
            assertTrue(app3.json.contains(""""chosen":[{"location_id":"WH2","units":3,"won_by":"only_candidate"}]"""), app3.json)
            val summary = explanationSummary(app3.json)
            assertNotNull(summary)
            assertTrue(summary!!.startsWith("WH2 took 3 units") && summary.endsWith("."), summary)

            // Only order_allocated events carry an explanation; what is not an event is refused.
            assertNull(explanationSummary(engine.placeOrder(brooklynOrder("SO-3", 1uL), AT)[0].json))
            assertThrows<OmsFfiException.Validation> { explanationSummary("not json") }
            assertNull(engine.invariantViolation())
        }
    }

    @Test
    fun `a bad policy or channel is a validation error and changes nothing`() {
        twoWarehouses().use { engine ->
            val twice = SourcingPolicy(rules = listOf(SourcingRule.Nearest, SourcingRule.Nearest))
            val e = assertThrows<OmsFfiException.Validation> { engine.setSourcingPolicy(twice, AT) }
            assertEquals("validation", e.code)
            assertTrue(e.detailsJson.contains(""""field":"rules[1]""""), e.detailsJson)

            val badRate = cheapFromSpringfield.copy(
                rates = listOf(ShippingRate(locationId = "WH1", zone = "us", perShipment = usd("4.00"), perKg = usd("0,50"))),
            )
            val amount = assertThrows<OmsFfiException.Validation> {
                engine.setSourcingPolicy(SourcingPolicy(rules = listOf(SourcingRule.LowestCost(table = badRate))), AT)
            }
            assertTrue(amount.detailsJson.contains(""""field":"rules[0].lowest_cost.rates[0].per_kg.amount""""), amount.detailsJson)
            assertEquals(4, engine.sourcingPolicy().rules.size, "the default policy is still in force")

            val percent = assertThrows<OmsFfiException.Validation> {
                engine.defineChannel(ChannelDef(channel = "app", buffer = ChannelBuffer(percent = "ten")), AT)
            }
            assertTrue(percent.detailsJson.contains(""""field":"buffer.percent""""), percent.detailsJson)
            assertThrows<OmsFfiException.NotFound> { engine.channel("app") }
            assertTrue(engine.channels().isEmpty())
        }
    }

    @Test
    fun `a cart hold keeps stock for checkout, converts into the order, and others expire`() {
        stockedEngine("""{"require_payment": false}""").use { engine ->
            assertNull(engine.nextHoldExpiry())
            val checkout = StockHold(holdId = "CART-1", sku = "MUG", quantity = 3uL, channel = "app", expiresAt = "2026-11-22T09:15:00Z")
            assertEquals(listOf("stock_held"), engine.holdStock(checkout, AT).kinds())
            assertEquals(7uL, engine.channelAvailable("app", "MUG"))
            // Any offset is accepted; expiry times are stored as UTC.
            val abandoned = StockHold(holdId = "CART-2", sku = "MUG", quantity = 2uL, channel = "app", expiresAt = "2026-11-22T10:10:00+01:00")
            engine.holdStock(abandoned, AT)
            assertEquals(5uL, engine.channelAvailable("app", "MUG"))
            assertEquals(listOf(checkout, abandoned.copy(expiresAt = "2026-11-22T09:10:00Z")), engine.stockHolds())
            assertEquals("2026-11-22T09:10:00Z", engine.nextHoldExpiry())
            assertThrows<OmsFfiException.InsufficientStock> {
                engine.holdStock(StockHold(holdId = "CART-3", sku = "MUG", quantity = 6uL, channel = "app", expiresAt = LATER), AT)
            }

            // Checkout: the order takes the hold's place and is allocated at once.
            engine.placeOrder(order("SO-1", "MUG" to 3uL), AT)
            val converted = engine.convertHold("CART-1", "SO-1", AT)
            assertEquals("stock_hold_converted", converted[0].kind)
            assertEquals("SO-1", converted[0].orderId)
            assertEquals(OrderStatus.ALLOCATED, engine.order("SO-1").status)
            assertEquals(5uL, engine.channelAvailable("app", "MUG"), "10 less 3 allocated less 2 held")
            assertEquals("2026-11-22T09:10:00Z", engine.nextHoldExpiry())

            // The host calls expire_holds when the next expiry comes.
            assertTrue(engine.expireHolds("2026-11-22T09:09:59Z").isEmpty(), "nothing is due yet")
            val expired = engine.expireHolds(engine.nextHoldExpiry()!!)
            assertEquals(listOf("stock_hold_released"), expired.kinds())
            assertTrue(expired[0].json.contains(""""hold_id":"CART-2""""), expired[0].json)
            assertTrue(expired[0].json.contains(""""reason":"expired""""), expired[0].json)
            assertTrue(engine.stockHolds().isEmpty())
            assertNull(engine.nextHoldExpiry())
            assertEquals(7uL, engine.channelAvailable("app", "MUG"))

            // Released by hand before it expires.
            engine.holdStock(checkout.copy(holdId = "CART-4", expiresAt = LATER), AT)
            assertEquals(listOf("stock_hold_released"), engine.releaseStockHold("CART-4", AT).kinds())
            assertThrows<OmsFfiException.NotFound> { engine.releaseStockHold("CART-4", AT) }
            assertNull(engine.invariantViolation())
        }
    }

    @Test
    fun `a count below what is reserved releases reservations and backorders the rest`() {
        stockedEngine("""{"require_payment": false}""").use { engine ->
            engine.placeOrder(order("SO-1", "MUG" to 4uL), AT)
            engine.allocate("SO-1", AT)
            assertEquals(4uL, engine.stock("MUG", "WH1").reserved)

            // Only 1 mug is found on the shelf: the count wins.
            val events = engine.countStock("MUG", "WH1", 1uL, LATER)
            assertTrue("allocation_released" in events.kinds(), events.kinds().toString())
            val released = events.first { it.kind == "allocation_released" }
            assertEquals("SO-1", released.orderId)
            assertEquals(LATER, released.at)
            engine.stock("MUG", "WH1").let {
                assertEquals(1uL, it.onHand)
                assertEquals(1uL, it.reserved)
            }
            engine.order("SO-1").lines[0].let {
                assertEquals(1uL, it.allocated)
                assertEquals(3uL, it.backordered)
            }
            assertEquals(OrderStatus.BACKORDERED, engine.order("SO-1").status)
            assertNull(engine.invariantViolation())
        }
    }

    @Test
    fun `reallocate moves a reservation to stock that arrived nearer`() {
        twoWarehouses(stock = 0uL).use { engine ->
            engine.receiveStock(ReceiveStock(sku = "MUG", locationId = "WH1", quantity = 5uL), AT)
            engine.placeOrder(brooklynOrder("SO-1", 2uL), AT)
            engine.allocate("SO-1", AT)
            assertEquals(mapOf("WH1" to 2uL), heldAt(engine, "SO-1"))
            assertTrue(engine.reallocate("SO-1", AT).isEmpty(), "nothing better yet")

            engine.receiveStock(ReceiveStock(sku = "MUG", locationId = "WH2", quantity = 5uL), LATER)
            val moved = engine.reallocate("SO-1", LATER)
            assertEquals(listOf("allocation_released", "order_allocated"), moved.kinds().take(2))
            assertEquals(mapOf("WH2" to 2uL), heldAt(engine, "SO-1"))
            assertEquals("WH2 took 2 units: it beat WH1 on nearest.", explanationSummary(moved[1].json))
            assertEquals(0uL, engine.stock("MUG", "WH1").reserved)
            assertTrue(engine.reallocate("SO-1", LATER).isEmpty(), "already where the policy wants it")
            assertThrows<OmsFfiException.NotFound> { engine.reallocate("SO-404", LATER) }
            assertNull(engine.invariantViolation())
        }
    }

    @Test
    fun `executeJson honours idempotency keys, expected versions and reports availability`() {
        twoWarehouses().use { engine ->
            val channel = engine.executeJson("""{"type":"define_channel","channel":"shop","buffer":{"units":1}}""", AT)
            assertTrue(channel.contains("\"availability_changed\""), channel)
            engine.placeOrder(brooklynOrder("SO-K", 1uL), AT)
            val allocate = """{"type":"allocate","order_id":"SO-K","idempotency_key":"k-1","expected_version":1}"""
            val first = engine.executeJson(allocate, AT)
            assertTrue(first.contains("\"key\":\"k-1\""), first)
            assertEquals("[]", engine.executeJson(allocate, AT))
            assertThrows<OmsFfiException.Duplicate> {
                engine.executeJson("""{"type":"allocate","idempotency_key":"k-1"}""", AT)
            }
            assertThrows<OmsFfiException.Conflict> {
                engine.executeJson("""{"type":"cancel_order","order_id":"SO-K","reason":"x","expected_version":1}""", AT)
            }
            assertNull(engine.invariantViolation())
        }
    }

    @Test
    fun `merged orders ship together and a split order ships its groups apart`() {
        twoWarehouses().use { engine ->
            engine.defineProduct(Product(sku = "CAP", name = "Cap"), AT)
            engine.receiveStock(ReceiveStock(sku = "CAP", locationId = "WH1", quantity = 5uL), AT)
            engine.placeOrder(brooklynOrder("SO-1", 1uL), AT)
            engine.placeOrder(order("SO-2", "CAP" to 1uL).copy(shipTo = BROOKLYN.copy(line1 = "1 main st.")), AT)
            engine.allocate(null, AT)
            assertEquals(mapOf("WH2" to 1uL), heldAt(engine, "SO-1"), "the mug alone comes from nearby")

            val merged = engine.mergeOrders(listOf("SO-1", "SO-2"), null, LATER)
            assertEquals("orders_merged", merged[0].kind)
            assertEquals(mapOf("WH1" to 1uL), heldAt(engine, "SO-1"), "together, both leave WH1")
            assertEquals(listOf("SO-1", "SO-2"), engine.order("SO-2").mergeGroup)
            assertThrows<OmsFfiException.Validation> { engine.splitOrder("SO-1", listOf(listOf("1")), LATER) }
            assertEquals(listOf("orders_unmerged"), engine.unmergeOrders("SO-2", LATER).kinds())
            assertTrue(engine.order("SO-1").mergeGroup.isEmpty())

            engine.placeOrder(order("SO-3", "MUG" to 1uL, "CAP" to 1uL).copy(shipTo = BROOKLYN), LATER)
            assertThrows<OmsFfiException.Validation> { engine.splitOrder("SO-3", listOf(listOf("1")), LATER) }
            assertEquals(listOf("order_split"), engine.splitOrder("SO-3", listOf(listOf("1"), listOf("2")), LATER).kinds())
            assertEquals(listOf(listOf("1"), listOf("2")), engine.order("SO-3").shipmentGroups)
            engine.allocate("SO-3", LATER)
            assertEquals(mapOf("WH2" to 1uL), heldAt(engine, "SO-3"), "the mug's group ships from nearby")
            assertNull(engine.invariantViolation())
        }
    }
}
