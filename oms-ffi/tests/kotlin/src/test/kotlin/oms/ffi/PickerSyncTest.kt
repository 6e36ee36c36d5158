package oms.ffi

import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test
import uniffi.oms_ffi.Engine
import uniffi.oms_ffi.Event
import uniffi.oms_ffi.Location
import uniffi.oms_ffi.LocationKind
import uniffi.oms_ffi.OrderStatus
import uniffi.oms_ffi.PaymentKind
import uniffi.oms_ffi.Product
import uniffi.oms_ffi.ReceiveStock
import uniffi.oms_ffi.RecordPayment
import uniffi.oms_ffi.Ship
import uniffi.oms_ffi.ShipLine

/**
 * A picker app: the device loads the back office's state, the picker confirms
 * the lines they packed by shipping them, and the events the device recorded
 * are synced back. Both engines must then agree.
 */
class PickerSyncTest {
    @Test
    fun `a picker ships an order on the device and the back office catches up`() {
        // The back office keeps every event it records: its log.
        val log = mutableListOf<Event>()
        val backOffice = Engine()
        log += backOffice.defineLocation(Location(locationId = "WH1", name = "Main", kind = LocationKind.WAREHOUSE), AT)
        for (sku in listOf("MUG", "CUP")) {
            log += backOffice.defineProduct(Product(sku = sku, name = sku), AT)
            log += backOffice.receiveStock(ReceiveStock(sku = sku, locationId = "WH1", quantity = 5uL), AT)
        }
        log += backOffice.placeOrder(order("SO-7", "MUG" to 2uL, "CUP" to 3uL), AT)
        log += backOffice.recordPayment(RecordPayment(orderId = "SO-7", kind = PaymentKind.AUTHORIZED, amount = usd("47.50")), AT)
        log += backOffice.allocate(null, AT)
        assertEquals(OrderStatus.ALLOCATED, backOffice.order("SO-7").status)

        // The device starts from a snapshot.
        val device = Engine.fromSnapshot(backOffice.snapshot())
        val pickList = device.order("SO-7")
        assertEquals(backOffice.order("SO-7"), pickList)

        // The picker confirms each line by shipping what is allocated to it, one parcel per location.
        val shipped = mutableListOf<Event>()
        pickList.lines
            .flatMap { line -> line.allocations.map { it.locationId to ShipLine(line.lineId, it.quantity) } }
            .groupBy({ it.first }, { it.second })
            .entries.forEachIndexed { n, (location, lines) ->
                shipped += device.ship(
                    Ship(orderId = "SO-7", shipmentId = "SO-7-P${n + 1}", locationId = location, carrier = "Courier", lines = lines),
                    LATER,
                )
            }
        assertEquals(OrderStatus.SHIPPED, device.order("SO-7").status)
        assertEquals(OrderStatus.ALLOCATED, backOffice.order("SO-7").status, "not synced yet")

        // Sync: the back office applies the device's events.
        assertEquals(shipped.size.toULong(), backOffice.applyEvents(shipped))
        log += shipped
        assertEquals(device.order("SO-7"), backOffice.order("SO-7"))
        assertEquals(OrderStatus.SHIPPED, backOffice.order("SO-7").status)
        assertEquals(3uL, backOffice.stock("MUG", "WH1").onHand)
        assertEquals(2uL, backOffice.stock("CUP", "WH1").onHand)
        assertArrayEquals(device.snapshot(), backOffice.snapshot())

        // A third engine rebuilt from the stored log as JSON agrees too.
        val replayed = Engine.replay(null, eventsJson(log))
        assertEquals(backOffice.order("SO-7"), replayed.order("SO-7"))
        assertArrayEquals(backOffice.snapshot(), replayed.snapshot())
        // And so does one that follows the log in batches, as a second device would.
        val follower = Engine()
        assertEquals(5uL, follower.applyEventsJson(eventsJson(log.take(5))))
        follower.applyEvents(log.drop(5))
        assertArrayEquals(backOffice.snapshot(), follower.snapshot())
        listOf(backOffice, device, replayed, follower).forEach {
            assertNull(it.invariantViolation())
            it.close()
        }
    }
}
