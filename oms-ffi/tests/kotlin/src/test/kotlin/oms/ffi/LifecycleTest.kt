package oms.ffi

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import uniffi.oms_ffi.OrderStatus
import uniffi.oms_ffi.PaymentKind
import uniffi.oms_ffi.PaymentStatus
import uniffi.oms_ffi.RecordPayment
import uniffi.oms_ffi.Ship
import uniffi.oms_ffi.ShipLine

class LifecycleTest {
    @Test
    fun `an order goes from placement to delivery`() {
        stockedEngine().use { engine ->
            val placed = engine.placeOrder(order("SO-1", "MUG" to 2uL), AT)
            assertEquals(listOf("order_placed", "hold_placed", "order_status_changed"), placed.map { it.kind })
            assertEquals("SO-1", placed[0].orderId)
            assertTrue(placed[0].json.contains("\"type\":\"order_placed\""), placed[0].json)
            engine.order("SO-1").let {
                assertEquals(OrderStatus.ON_HOLD, it.status)
                assertEquals(PaymentStatus.UNPAID, it.paymentStatus)
                assertEquals(listOf("awaiting_payment"), it.holds)
                assertEquals(usd("19.00"), it.total)
                assertEquals(ADA, it.shipTo)
            }

            engine.recordPayment(RecordPayment(orderId = "SO-1", kind = PaymentKind.CAPTURED, amount = usd("19.00")), AT)
            assertEquals(OrderStatus.READY, engine.order("SO-1").status)
            assertEquals(PaymentStatus.PAID, engine.order("SO-1").paymentStatus)
            assertEquals(8uL, engine.available("MUG"), "placed orders count against availability")

            engine.allocate("SO-1", AT)
            engine.order("SO-1").let {
                assertEquals(OrderStatus.ALLOCATED, it.status)
                assertEquals(2uL, it.lines[0].allocated)
                assertEquals("WH1", it.lines[0].allocations.single().locationId)
            }
            assertEquals(2uL, engine.stock("MUG", "WH1").reserved)
            assertEquals(8uL, engine.available("MUG", "WH1"))

            val shipped = engine.ship(
                Ship(orderId = "SO-1", shipmentId = "SH-1", locationId = "WH1", carrier = "UPS",
                    lines = listOf(ShipLine(lineId = "1", quantity = 2uL)), trackingNumber = "1Z999"),
                LATER,
            )
            assertEquals("order_shipped", shipped[0].kind)
            assertEquals(LATER, shipped[0].at)
            assertEquals(OrderStatus.SHIPPED, engine.order("SO-1").status)
            engine.stock("MUG", "WH1").let {
                assertEquals(8uL, it.onHand)
                assertEquals(0uL, it.reserved)
                assertEquals(2uL, it.shipped)
                assertEquals(10uL, it.received)
            }

            engine.confirmDelivery("SH-1", "2026-11-23T10:00:00Z")
            engine.order("SO-1").let {
                assertEquals(OrderStatus.DELIVERED, it.status)
                assertEquals(2uL, it.lines[0].shipped)
                assertEquals(2uL, it.lines[0].delivered)
                assertEquals(listOf("SH-1"), it.shipments)
            }
            assertEquals("2026-11-23T10:00:00Z", engine.shipment("SH-1").deliveredAt)
            assertEquals(1uL, engine.orderCounts().single { it.status == OrderStatus.DELIVERED }.count)
            assertNull(engine.invariantViolation())
        }
    }

    @Test
    fun `the JSON path runs any command and returns a JSON array of events`() {
        stockedEngine("""{"require_payment": false}""").use { engine ->
            val json = engine.executeJson(
                """{"type":"place_order","order_id":"SO-J","channel":"web","customer_id":"C9",
                   "ship_to":{"name":"Bo","line1":"2 Side St","city":"Shelbyville","postal_code":"1","country":"US"},
                   "lines":[{"line_id":"a","sku":"MUG","quantity":3,"unit_price":{"amount":"5","currency":"USD"}}]}""",
                AT,
            )
            assertTrue(json.startsWith("[{") && json.contains("\"type\":\"order_placed\""), json)
            assertEquals(OrderStatus.READY, engine.order("SO-J").status)
            engine.executeJson("""{"type":"cancel_line","order_id":"SO-J","line_id":"a","quantity":1,"reason":"oos"}""", AT)
            assertEquals(1uL, engine.order("SO-J").lines[0].cancelled)
            assertEquals(8uL, engine.available("MUG"))
        }
    }
}
