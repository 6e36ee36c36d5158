package oms.ffi

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import uniffi.oms_ffi.BatchMethod
import uniffi.oms_ffi.BatchOptions
import uniffi.oms_ffi.BatchOrder
import uniffi.oms_ffi.Bin
import uniffi.oms_ffi.Block
import uniffi.oms_ffi.Cart
import uniffi.oms_ffi.Depot
import uniffi.oms_ffi.Engine
import uniffi.oms_ffi.Heuristic
import uniffi.oms_ffi.Layout
import uniffi.oms_ffi.Location
import uniffi.oms_ffi.LocationKind
import uniffi.oms_ffi.OmsFfiException
import uniffi.oms_ffi.OrderStatus
import uniffi.oms_ffi.PickMethod
import uniffi.oms_ffi.Product
import uniffi.oms_ffi.ReceiveStock
import uniffi.oms_ffi.ReleaseWave
import uniffi.oms_ffi.Ship
import uniffi.oms_ffi.ShipLine
import uniffi.oms_ffi.Slot
import uniffi.oms_ffi.TaskStatus
import uniffi.oms_ffi.batchOrders

/** A picker's handheld: fetch the next task, confirm picks by scan, report a short pick. */
class PickTaskTest {
    private val floor = Layout(
        aisles = 6u,
        aislePitch = 3uL,
        blocks = listOf(Block(bays = 20u, bayPitch = 1uL, frontOffset = 1uL, backOffset = 1uL)),
        depot = Depot(aisle = 0u, crossAisle = 0u),
    )

    private fun warehouse(): Engine {
        val engine = Engine("""{"require_payment": false}""")
        engine.defineLocation(Location(locationId = "WH1", name = "Main", kind = LocationKind.WAREHOUSE), AT)
        engine.setLayout("WH1", floor, AT)
        for ((sku, aisle) in listOf("MUG" to 1u, "CAP" to 5u)) {
            engine.defineProduct(Product(sku = sku, name = sku, gtin = if (sku == "MUG") "00012345600012" else null), AT)
            engine.defineBin(Bin(locationId = "WH1", binId = "$sku-BIN", slot = Slot(block = 0u, aisle = aisle, bay = 4u), sku = sku), AT)
            engine.receiveStock(ReceiveStock(sku = sku, locationId = "WH1", quantity = 10uL), AT)
        }
        return engine
    }

    @Test
    fun `a wave can be walked the way the pickers know`() {
        val engine = warehouse()
        engine.placeOrder(order("SO-1", "CAP" to 1uL, "MUG" to 1uL), AT)
        engine.allocate("SO-1", AT)
        engine.releaseWave(
            ReleaseWave(waveId = "W-1", locationId = "WH1", method = PickMethod.SINGLE_ORDER, heuristic = Heuristic.S_SHAPE),
            AT,
        )
        val task = engine.pickTask("W-1-1")
        assertEquals(listOf("MUG", "CAP"), task.stops.map { it.sku })
        // To aisle 1 (3), up it (21), across the back (12), down aisle 5 (21), home (15).
        assertEquals(72uL, task.distance)
    }

    @Test
    fun `a picker works the next task by scan and the order is picked`() {
        val engine = warehouse()
        engine.placeOrder(order("SO-1", "CAP" to 1uL, "MUG" to 2uL), AT)
        engine.allocate("SO-1", AT)
        engine.releaseWave(ReleaseWave(waveId = "W-1", locationId = "WH1", method = PickMethod.SINGLE_ORDER), AT)
        assertEquals(OrderStatus.PICKING, engine.order("SO-1").status)

        val task = engine.nextPickTask("WH1")!!
        assertEquals("W-1-1", task.taskId)
        // The MUG aisle (1) comes before the CAP aisle (5): no doubling back.
        assertEquals(listOf("MUG", "CAP"), task.stops.map { it.sku })
        assertEquals(0u, task.nextStop)

        // The wrong item is refused and counted; nothing is picked.
        val wrong = engine.confirmPick(task.taskId, 0u, 1uL, AT, scannedCode = "CAP")
        assertEquals(listOf("pick_scan_rejected"), wrong.map { it.kind })
        assertEquals(0uL, engine.pickTask(task.taskId).stops[0].picked)
        engine.confirmPick(task.taskId, 0u, 2uL, AT, scannedCode = "00012345600012")
        engine.confirmPick(task.taskId, 1u, 1uL, AT, scannedCode = "CAP")
        engine.completeTask(task.taskId, AT)

        assertEquals(OrderStatus.PICKED, engine.order("SO-1").status)
        assertEquals(TaskStatus.COMPLETED, engine.pickTask(task.taskId).status)
        assertNull(engine.nextPickTask("WH1"))
        val accuracy = engine.pickingAccuracy("WH1")
        assertEquals(2uL, accuracy.scans)
        assertEquals(1uL, accuracy.rejectedScans)
        engine.ship(
            Ship(orderId = "SO-1", shipmentId = "P-1", locationId = "WH1", carrier = "UPS",
                lines = listOf(ShipLine(lineId = "1", quantity = 1uL), ShipLine(lineId = "2", quantity = 2uL))),
            AT,
        )
        assertEquals(OrderStatus.SHIPPED, engine.order("SO-1").status)
        assertNull(engine.invariantViolation())
    }

    @Test
    fun `a short pick takes the missing units off stock`() {
        val engine = warehouse()
        engine.placeOrder(order("SO-1", "MUG" to 3uL), AT)
        engine.allocate("SO-1", AT)
        engine.releaseWave(ReleaseWave(waveId = "W-1", locationId = "WH1", method = PickMethod.CLUSTER, orderIds = listOf("SO-1")), AT)
        assertEquals(1u, engine.pickTask("W-1-1").stops[0].tote)
        assertThrows<OmsFfiException.InvalidTransition> { engine.completeTask("W-1-1", AT) }
        val events = engine.shortPick("W-1-1", 0u, 1uL, AT)
        assertEquals(listOf("pick_shorted", "allocation_released", "stock_adjusted"), events.take(3).map { it.kind })
        assertEquals(8uL, engine.stock("MUG", "WH1").onHand)
        engine.completeTask("W-1-1", AT)
        assertThrows<OmsFfiException.Validation> {
            engine.defineBin(Bin(locationId = "WH1", binId = "X", slot = Slot(block = 0u, aisle = 9u, bay = 0u)), AT)
        }
    }

    @Test
    fun `orders sharing aisles are batched onto one cart`() {
        val orders = listOf(5u, 1u, 5u, 1u).map { aisle ->
            BatchOrder(picks = listOf(Slot(block = 0u, aisle = aisle, bay = 10u)), items = 10uL)
        }
        val cart = Cart(maxItems = 20uL)
        val best = batchOrders(floor, orders, cart)
        val fcfs = batchOrders(floor, orders, cart, BatchOptions(method = BatchMethod.FCFS))
        assertEquals(listOf(listOf(0uL, 2uL), listOf(1uL, 3uL)), best.batches.map { it.orders })
        assertTrue(best.distance < fcfs.distance)
    }
}
