package oms.ffi

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import uniffi.oms_ffi.Disposition
import uniffi.oms_ffi.ExchangeLine
import uniffi.oms_ffi.InspectionLine
import uniffi.oms_ffi.OmsFfiException
import uniffi.oms_ffi.OrderStatus
import uniffi.oms_ffi.PaymentKind
import uniffi.oms_ffi.PaymentStatus
import uniffi.oms_ffi.RecordPayment
import uniffi.oms_ffi.RequestReturn
import uniffi.oms_ffi.Resolution
import uniffi.oms_ffi.ReturnLine
import uniffi.oms_ffi.ReturnReason
import uniffi.oms_ffi.RmaStatus
import uniffi.oms_ffi.Ship
import uniffi.oms_ffi.ShipLine
import uniffi.oms_ffi.kpis
import uniffi.oms_ffi.mergeKpis

/** A store app takes a return at the counter, refunds it and restocks the shelf. */
class ReturnsTest {
    private fun delivered() = stockedEngine().also { engine ->
        engine.placeOrder(order("SO-1", "MUG" to 2uL, price = "10.00").copy(discount = usd("2.00")), AT)
        engine.recordPayment(RecordPayment(orderId = "SO-1", kind = PaymentKind.CAPTURED, amount = usd("18.00")), AT)
        engine.allocate("SO-1", AT)
        engine.ship(Ship(orderId = "SO-1", shipmentId = "P-1", locationId = "WH1", carrier = "UPS",
            lines = listOf(ShipLine(lineId = "1", quantity = 2uL))), AT)
        engine.confirmDelivery("P-1", AT)
    }

    @Test
    fun `a refund from request to close`() {
        val engine = delivered()
        val request = RequestReturn(rmaId = "R1", orderId = "SO-1", resolution = Resolution.REFUND,
            lines = listOf(ReturnLine(lineId = "1", quantity = 1uL, reason = ReturnReason.SIZE_FIT)))
        assertEquals(listOf("return_requested"), engine.requestReturn(request, LATER).map { it.kind })
        engine.authorizeReturn("R1", LATER)
        engine.recordReturnShipment("R1", LATER, carrier = "UPS")
        engine.receiveReturn("R1", "WH1", LATER)
        assertEquals(OrderStatus.PARTIALLY_RETURNED, engine.order("SO-1").status)
        engine.inspectReturn("R1", listOf(InspectionLine(lineId = "1", quantity = 1uL, disposition = Disposition.RESTOCK)), LATER)
        assertEquals(1uL, engine.stock("MUG", "WH1").returned)
        engine.resolveReturn("R1", LATER)
        val rma = engine.rma("R1")
        // 20.00 less the 2.00 discount, one unit of two: 9.00.
        assertEquals("9.00", rma.refund!!.total.amount)
        assertEquals("9.00", rma.refundOutstanding)
        engine.recordPayment(RecordPayment(orderId = "SO-1", kind = PaymentKind.REFUNDED, amount = usd("9.00"), rmaId = "R1"), LATER)
        assertEquals(PaymentStatus.PARTIALLY_REFUNDED, engine.order("SO-1").paymentStatus)
        engine.closeReturn("R1", LATER)
        assertEquals(RmaStatus.CLOSED, engine.rma("R1").status)
        assertEquals(listOf("R1"), engine.rmas("SO-1").map { it.rmaId })
        val customer = engine.customer("C1", LATER)
        assertEquals(1uL, customer.unitsReturned)
        assertEquals(null, engine.invariantViolation())
    }

    @Test
    fun `moves outside the lifecycle and exchanges`() {
        val engine = delivered()
        val request = RequestReturn(rmaId = "R1", orderId = "SO-1", resolution = Resolution.EXCHANGE,
            lines = listOf(ReturnLine(lineId = "1", quantity = 1uL, reason = ReturnReason.DEFECTIVE)),
            exchangeLines = listOf(ExchangeLine(sku = "MUG", quantity = 1uL, unitPrice = usd("12.00"))))
        engine.requestReturn(request, LATER)
        assertThrows<OmsFfiException.InvalidTransition> { engine.receiveReturn("R1", "WH1", LATER) }
        engine.authorizeReturn("R1", LATER)
        engine.recordReturnShipment("R1", LATER)
        engine.receiveReturn("R1", "WH1", LATER)
        engine.inspectReturn("R1", listOf(InspectionLine(lineId = "1", quantity = 1uL, disposition = Disposition.SCRAP)), LATER)
        engine.resolveReturn("R1", LATER)
        assertEquals("EX-R1", engine.rma("R1").exchangeOrderId)
        // Worth 9.00 (its share of the discount off), priced 12.00: 3.00 to pay.
        assertEquals("3.00", engine.order("EX-R1").total.amount)
    }

    @Test
    fun `KPIs from the stored log, per shard and merged`() {
        val engine = stockedEngine()
        val log = mutableListOf<uniffi.oms_ffi.Event>()
        log += engine.placeOrder(order("SO-1", "MUG" to 2uL), AT)
        log += engine.placeOrder(order("SO-2", "MUG" to 1uL), AT)
        log += engine.recordPayment(RecordPayment(orderId = "SO-1", kind = PaymentKind.CAPTURED, amount = usd("19.00")), AT)
        log += engine.allocate("SO-1", AT)
        log += engine.ship(Ship(orderId = "SO-1", shipmentId = "P-1", locationId = "WH1", carrier = "UPS",
            lines = listOf(ShipLine(lineId = "1", quantity = 2uL))), LATER)
        log += engine.cancelOrder("SO-2", "asked", LATER)
        val report = kpis(eventsJson(log))
        val cancelled = report.kpis.single { it.name == "cancellation_rate" }
        assertEquals("1" to "2", cancelled.numerator to cancelled.denominator)
        val cycle = report.kpis.single { it.name == "order_cycle_time" }
        assertEquals(0, java.math.BigDecimal(cycle.value).compareTo(java.math.BigDecimal("6.5"))) // 09:00 to 15:30
        // Two shards with the same figures add up: numerators and denominators sum.
        val merged = mergeKpis(listOf(report.json, report.json)).kpis.single { it.name == "cancellation_rate" }
        assertEquals("2" to "4", merged.numerator to merged.denominator)
    }
}
