package oms.ffi

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import uniffi.oms_ffi.OmsFfiException
import uniffi.oms_ffi.PaymentKind
import uniffi.oms_ffi.Priority
import uniffi.oms_ffi.RecordPayment
import uniffi.oms_ffi.SimLocation
import uniffi.oms_ffi.SimOrderLine
import uniffi.oms_ffi.SimStock
import uniffi.oms_ffi.kpisBy
import uniffi.oms_ffi.simulate

/** A store planner asks "what if" of last week's orders, on the device. */
class SimulationTest {
    private fun line(orderId: String, sku: String, quantity: ULong, lat: Double, minutes: Int, rush: Boolean = false) =
        SimOrderLine(
            placedAt = "2026-11-02T09:%02d:00Z".format(minutes), orderId = orderId, customerId = "C1",
            channel = "app", sku = sku, quantity = quantity, unitPrice = "9.50", currency = "USD",
            latitude = lat, longitude = -74.0, priority = if (rush) Priority.RUSH else null,
        )

    @Test
    fun `orders are sourced nearest first and receipts serve backorders`() {
        val locations = listOf(
            SimLocation(locationId = "EAST", latitude = 40.7, longitude = -74.0),
            SimLocation(locationId = "WEST", latitude = 34.0, longitude = -74.0),
        )
        val stock = listOf(
            SimStock(locationId = "EAST", sku = "MUG", quantity = 3uL),
            SimStock(locationId = "WEST", sku = "MUG", quantity = 1uL),
            SimStock(locationId = "WEST", sku = "MUG", quantity = 4uL, at = "2026-11-02T12:00:00Z"),
        )
        val orders = listOf(
            line("SO-1", "MUG", 2uL, 40.0, 0),
            line("SO-2", "MUG", 3uL, 34.5, 5),
            line("SO-3", "MUG", 2uL, 34.5, 10, rush = true),
        )
        val result = simulate(orders, stock, locations)
        val rows = result.allocations.map { Triple(it.orderId, it.locationId, it.quantity) }
        assertEquals(
            listOf(
                Triple("SO-1", "EAST", 2uL), // nearest ships complete
                Triple("SO-2", "WEST", 1uL), // nobody has 3: covering most first (a tie: nearer)
                Triple("SO-2", "EAST", 1uL),
                Triple("SO-3", "WEST", 2uL), // at noon, rush first
                Triple("SO-2", "WEST", 1uL),
            ),
            rows,
        )
        assertEquals(listOf(false, false, false, true, true), result.allocations.map { it.fromBackorder })
        assertEquals(emptyList<Any>(), result.backorders)
        val fill = result.kpis.kpis.single { it.name == "fill_rate_units" }
        assertEquals("4" to "7", fill.numerator to fill.denominator)
        assertEquals(listOf(1u, 1u, 2u, 1u, 3u), result.shipments.map { it.shipment })

        val bad = assertThrows<OmsFfiException.Validation> {
            simulate(listOf(orders[0].copy(unitPrice = "9,50")), stock, locations)
        }
        assertEquals("validation", bad.code)
    }

    @Test
    fun `KPIs by channel`() {
        val engine = stockedEngine()
        val log = engine.placeOrder(order("SO-1", "MUG" to 1uL), AT) +
            engine.recordPayment(RecordPayment(orderId = "SO-1", kind = PaymentKind.CAPTURED, amount = usd("9.50")), AT)
        val groups = kpisBy(eventsJson(log), listOf("channel"))
        val app = groups.first { it.values == listOf("app") }
        assertEquals("1", app.report.kpis.single { it.name == "orders_by_channel" }.numerator)
        assertEquals(listOf<String?>(null), groups.last().values)
    }
}
