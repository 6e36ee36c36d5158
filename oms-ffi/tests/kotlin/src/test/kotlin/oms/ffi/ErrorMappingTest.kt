package oms.ffi

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import uniffi.oms_ffi.Engine
import uniffi.oms_ffi.OmsFfiException

/** One test per stable error code: the Kotlin exception type and its `code`. */
class ErrorMappingTest {
    @Test
    fun `validation - malformed JSON, a bad time, a bad amount`() {
        stockedEngine().use { engine ->
            val badJson = assertThrows<OmsFfiException.Validation> { engine.executeJson("{", AT) }
            assertEquals("validation", badJson.code)
            assertTrue(badJson.detailsJson.contains("\"field\":\"command\""), badJson.detailsJson)

            val badTime = assertThrows<OmsFfiException.Validation> { engine.allocate(null, "yesterday") }
            assertEquals("validation", badTime.code)
            assertTrue(badTime.detailsJson.contains("\"field\":\"at\""), badTime.detailsJson)

            val badAmount = assertThrows<OmsFfiException.Validation> {
                engine.placeOrder(order("SO-1", "MUG" to 1uL, price = "nine"), AT)
            }
            assertEquals("validation", badAmount.code)
            assertThrows<OmsFfiException.Validation> { Engine("""{"currency": "dollars"}""") }
            assertThrows<OmsFfiException.Validation> { Engine.fromSnapshot(byteArrayOf(1, 2, 3)) }
        }
    }

    @Test
    fun `not_found - an unknown order`() {
        stockedEngine().use { engine ->
            val e = assertThrows<OmsFfiException.NotFound> { engine.order("NOPE") }
            assertEquals("not_found", e.code)
            assertEquals("order \"NOPE\" not found", e.reason)
            assertEquals("""{"code":"not_found","id":"NOPE","kind":"order"}""", e.detailsJson)
        }
    }

    @Test
    fun `invalid_transition - allocating an order that awaits payment`() {
        stockedEngine().use { engine ->
            engine.placeOrder(order("SO-1", "MUG" to 1uL), AT)
            val e = assertThrows<OmsFfiException.InvalidTransition> { engine.allocate("SO-1", AT) }
            assertEquals("invalid_transition", e.code)
            assertTrue(e.detailsJson.contains("\"state\":\"on_hold\""), e.detailsJson)
        }
    }

    @Test
    fun `insufficient_stock - removing more units than are on hand`() {
        stockedEngine().use { engine ->
            val e = assertThrows<OmsFfiException.InsufficientStock> {
                engine.adjustStock("MUG", "WH1", -11, "damaged", AT)
            }
            assertEquals("insufficient_stock", e.code)
            assertTrue(e.detailsJson.contains("\"requested\":11"), e.detailsJson)
            assertEquals(10uL, engine.stock("MUG", "WH1").onHand, "a failed command changes nothing")
        }
    }

    @Test
    fun `duplicate - the same order id with a different payload`() {
        stockedEngine().use { engine ->
            engine.placeOrder(order("SO-1", "MUG" to 1uL), AT)
            val e = assertThrows<OmsFfiException.Duplicate> { engine.placeOrder(order("SO-1", "MUG" to 2uL), AT) }
            assertEquals("duplicate", e.code)
            assertEquals(1uL, engine.order("SO-1").lines[0].quantity)
        }
    }

    @Test
    fun `conflict - an event log that does not fit`() {
        stockedEngine().use { engine ->
            val stray = """[{"type":"shipment_delivered","schema_version":1,"at":"$AT","shipment_id":"X","order_id":"NOPE"}]"""
            val e = assertThrows<OmsFfiException.Conflict> { engine.applyEventsJson(stray) }
            assertEquals("conflict", e.code)
            assertTrue(e.reason.contains("event 0 (shipment_delivered)"), e.reason)
            assertThrows<OmsFfiException.Conflict> { Engine.replay(null, stray) }
        }
    }

    @Test
    fun `every error is an OmsFfiException with a code`() {
        stockedEngine().use { engine ->
            val e: OmsFfiException = assertThrows { engine.product("NOPE") }
            val code = when (e) {
                is OmsFfiException.Validation -> e.code
                is OmsFfiException.NotFound -> e.code
                is OmsFfiException.InvalidTransition -> e.code
                is OmsFfiException.InsufficientStock -> e.code
                is OmsFfiException.Duplicate -> e.code
                is OmsFfiException.Conflict -> e.code
                is OmsFfiException.Internal -> e.code
            }
            assertEquals("not_found", code)
        }
    }
}
