package oms.ffi

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test
import uniffi.oms_ffi.OrderStatus
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CountDownLatch
import kotlin.concurrent.thread

class ConcurrencyTest {
    @Test
    fun `two threads place and allocate orders on one engine`() {
        val perThread = 300
        stockedEngine("""{"require_payment": false}""", stock = 2000uL, "MUG", "CUP").use { engine ->
            val start = CountDownLatch(1)
            val failures = ConcurrentLinkedQueue<Throwable>()
            val eventCounts = IntArray(2)
            val workers = (0 until 2).map { t ->
                thread(name = "placer-$t") {
                    try {
                        start.await()
                        repeat(perThread) { i ->
                            val id = "T$t-$i"
                            var events = engine.placeOrder(order(id, "MUG" to 1uL, "CUP" to 2uL), AT).size
                            events += engine.allocate(id, AT).size
                            // Reads interleave with the other thread's writes.
                            val status = engine.order(id).status
                            check(status == OrderStatus.ALLOCATED) { "$id is $status" }
                            eventCounts[t] += events
                        }
                    } catch (e: Throwable) {
                        failures.add(e)
                    }
                }
            }
            start.countDown()
            workers.forEach { it.join() }
            failures.firstOrNull()?.let { throw it }

            val orders = engine.orders(OrderStatus.ALLOCATED)
            assertEquals(2 * perThread, orders.size)
            assertEquals(2 * perThread, engine.orders().size)
            assertEquals((2000 - 2 * perThread).toULong(), engine.available("MUG"))
            assertEquals((2000 - 4 * perThread).toULong(), engine.available("CUP"))
            assertEquals((2 * perThread).toULong(), engine.stock("MUG", "WH1").reserved)
            assertEquals((4 * perThread).toULong(), engine.stock("CUP", "WH1").reserved)
            // place: order_placed + status change; allocate: order_allocated + status change.
            assertEquals(4 * perThread, eventCounts[0])
            assertEquals(4 * perThread, eventCounts[1])
            // Setup: one location, two products with one receipt each.
            assertEquals((1 + 2 * 2 + 8 * perThread).toULong(), engine.eventsApplied())
            assertNull(engine.invariantViolation())
        }
    }
}
