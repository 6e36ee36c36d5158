package oms.ffi

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import uniffi.oms_ffi.ConfirmDropship
import uniffi.oms_ffi.CreatePo
import uniffi.oms_ffi.Engine
import uniffi.oms_ffi.OmsFfiException
import uniffi.oms_ffi.PoLineInput
import uniffi.oms_ffi.PoStatus
import uniffi.oms_ffi.PriceBreak
import uniffi.oms_ffi.Product
import uniffi.oms_ffi.ReceiptLine
import uniffi.oms_ffi.ReceivePo
import uniffi.oms_ffi.ReorderMethod
import uniffi.oms_ffi.ReorderSettings
import uniffi.oms_ffi.Supplier
import uniffi.oms_ffi.ShipLine
import uniffi.oms_ffi.SupplierItem
import uniffi.oms_ffi.supplierPerformance

/** A receiving clerk's flow: a supplier, a PO through approval, a receipt with damaged units, close short. */
class PurchasingTest {
    private fun buyer(): Engine {
        val engine = stockedEngine("""{"require_payment": false, "po_approval_threshold": {"amount": "100.00", "currency": "USD"}}""")  // 10 MUGs at WH1
        engine.defineSupplier(
            Supplier(supplierId = "ACME", name = "Acme Supply", currency = "USD", leadTimeDays = 7u, overReceiptTolerancePercent = "10", contactEmail = "orders@acme.test"),
            AT,
        )
        engine.setSupplierItem(
            SupplierItem(supplierId = "ACME", sku = "MUG", unitCost = usd("2.50"), casePack = 10uL, priceBreaks = listOf(PriceBreak(minQuantity = 100uL, unitCost = usd("2.00")))),
            AT,
        )
        return engine
    }

    @Test
    fun `a PO goes through approval, a receipt and close`() {
        buyer().use { engine ->
            val log = mutableListOf<uniffi.oms_ffi.Event>()
            val created = engine.createPo(CreatePo(poId = "PO-1", supplierId = "ACME", locationId = "WH1", lines = listOf(PoLineInput(lineId = "1", sku = "MUG", quantity = 100uL))), AT)
            assertEquals(listOf("po_created"), created.kinds())
            var po = engine.purchaseOrder("PO-1")
            assertEquals(PoStatus.DRAFT, po.status)
            assertEquals(usd("2.00"), po.lines[0].unitCost)
            assertEquals("2026-11-29", po.lines[0].expectedDate)
            assertEquals(usd("200.00"), po.orderedTotal)

            assertEquals(listOf("po_submitted"), engine.submitPo("PO-1", AT).kinds())
            val early = assertThrows<OmsFfiException.InvalidTransition> { engine.sendPo("PO-1", AT) }
            assertTrue(early.message!!.contains("from submitted to sent"), early.message)
            engine.approvePo("PO-1", AT, approvedBy = "ann")
            engine.sendPo("PO-1", AT)
            assertEquals(100uL, engine.stock("MUG", "WH1").incoming)
            assertEquals(10uL, engine.availableToPromise("MUG", "2026-11-28"))
            assertEquals(110uL, engine.availableToPromise("MUG", "2026-11-29"))

            log += created
            val received = engine.receivePo(ReceivePo(poId = "PO-1", receiptId = "R1", locationId = "WH1", lines = listOf(ReceiptLine(lineId = "1", quantity = 60uL, damaged = 5uL))), LATER)
            assertEquals(listOf("po_received", "stock_received"), received.kinds())
            val mug = engine.stock("MUG", "WH1")
            assertEquals(listOf(65uL, 5uL, 40uL), listOf(mug.onHand, mug.damaged, mug.incoming)) // 10 + 60 - 5 damaged
            assertEquals(PoStatus.PARTIALLY_RECEIVED, engine.purchaseOrder("PO-1").status)
            assertThrows<OmsFfiException.Duplicate> {
                engine.receivePo(ReceivePo(poId = "PO-1", receiptId = "R1", locationId = "WH1", lines = listOf(ReceiptLine(lineId = "1", quantity = 1uL))), LATER)
            }

            log += received
            log += engine.closePo("PO-1", LATER, reason = "rest back-ordered")
            po = engine.purchaseOrder("PO-1")
            assertEquals(PoStatus.CLOSED, po.status)
            assertEquals(40uL, po.lines[0].cancelled)
            assertEquals(0uL, po.lines[0].open)
            assertEquals(listOf("PO-1"), engine.purchaseOrders(PoStatus.CLOSED).map { it.poId })
            assertEquals("10", engine.supplier("ACME").overReceiptTolerancePercent)
            assertEquals(listOf("ACME"), engine.supplierItems("MUG").map { it.supplierId })
            // Only the events collected here (no po_sent among them): 60 received on time, 5 damaged, 60 of 100 filled.
            val acme = supplierPerformance(eventsJson(log)).single()
            assertEquals(listOf(60uL, 60uL, 5uL, 60uL, 100uL), listOf(acme.receivedUnits, acme.onTimeUnits, acme.damagedUnits, acme.filledUnits, acme.orderedUnits))
            assertEquals(null, acme.averageLeadTimeDays)
            assertEquals(null, engine.invariantViolation())
        }
    }

    @Test
    fun `replenishment suggests what to order and says why`() {
        buyer().use { engine ->
            // 10 on hand; explicit demand 4 a day, sigma 2, lead time 7: ROP = 28 + 1.65*2*sqrt(7) = 36.7 -> 37;
            // 37 - 10 + 7 review days * 4 = 55 -> cases of 10: 60.
            engine.setReplenishment("MUG", "WH1", ReorderSettings(demandPerDay = 4.0, demandStdDev = 2.0, reviewDays = 7u), AT)
            val s = engine.replenishmentSuggestions(AT).single()
            assertEquals(listOf("MUG", "WH1", "ACME"), listOf(s.sku, s.locationId, s.supplierId))
            assertEquals(60uL, s.quantity)
            assertEquals(37L, s.reorderAt)
            assertTrue(s.explanationJson.contains("\"demand_source\":\"explicit\""), s.explanationJson)
            engine.setReplenishment("MUG", "WH1", ReorderSettings(method = ReorderMethod.MIN_MAX, min = 10uL, max = 40uL), AT)
            assertEquals(listOf(30uL), engine.replenishmentSuggestions(AT).map { it.quantity })
            assertEquals(listOf("po_created"), engine.createReplenishmentPos("RP-", AT).kinds())
            assertEquals(30uL, engine.purchaseOrder("RP-ACME-WH1-1").lines.single().quantity)
            assertEquals(emptyList<Any>(), engine.replenishmentSuggestions(AT))
            engine.cancelPo("RP-ACME-WH1-1", "testing", AT)
            assertThrows<OmsFfiException.Validation> {
                engine.setReplenishment("MUG", "WH1", ReorderSettings(method = ReorderMethod.MIN_MAX), AT)
            }
            engine.setReplenishment("MUG", "WH1", null, AT)
            assertEquals(emptyList<Any>(), engine.replenishmentSuggestions(AT))
        }
    }

    @Test
    fun `a dropship-only product goes to its supplier, who ships it to the customer`() {
        buyer().use { engine ->
            engine.defineProduct(Product(sku = "SOFA", name = "Sofa", dropshipOnly = true), AT)
            engine.setSupplierItem(SupplierItem(supplierId = "ACME", sku = "SOFA", unitCost = usd("40.00"), dropship = true), AT)
            engine.placeOrder(order("SO-1", "SOFA" to 2uL), AT)
            val sourced = engine.allocate("SO-1", AT).kinds()
            assertEquals(listOf("order_allocated", "po_created", "po_submitted", "po_approved"), sourced.filter { it.startsWith("po_") || it == "order_allocated" })
            val po = engine.purchaseOrder("DS-SO-1-1")
            assertEquals(null, po.locationId)
            assertEquals("SO-1", po.dropshipOrderId)
            assertEquals("Springfield", po.shipTo?.city)
            assertEquals("1", po.lines.single().orderLineId)
            assertEquals(2uL, engine.order("SO-1").lines.single().dropship)
            engine.sendPo("DS-SO-1-1", AT)
            val shipped = engine.confirmDropship(ConfirmDropship(poId = "DS-SO-1-1", trackingNumber = "1Z9", carrier = "UPS", lines = listOf(ShipLine(lineId = "1", quantity = 2uL))), LATER)
            assertTrue(shipped.kinds().contains("dropship_confirmed"))
            assertEquals(PoStatus.RECEIVED, engine.purchaseOrder("DS-SO-1-1").status)
            val shipment = engine.shipment("DS-SO-1-1-1")
            assertEquals(listOf(null, "DS-SO-1-1", "1Z9"), listOf(shipment.locationId, shipment.poId, shipment.trackingNumber))
            assertEquals(2uL, engine.order("SO-1").lines.single().shipped)
            assertThrows<OmsFfiException.Validation> {
                engine.receiveStock(uniffi.oms_ffi.ReceiveStock(sku = "SOFA", locationId = "WH1", quantity = 1uL), AT)
            }
            assertEquals(null, engine.invariantViolation())
        }
    }

    @Test
    fun `bad purchasing input is a typed error`() {
        buyer().use { engine ->
            assertThrows<OmsFfiException.NotFound> { engine.purchaseOrder("PO-404") }
            assertThrows<OmsFfiException.Validation> { engine.availableToPromise("MUG", "soon") }
            assertThrows<OmsFfiException.Validation> {
                engine.createPo(CreatePo(poId = "PO-1", supplierId = "ACME", locationId = "WH1", lines = listOf(PoLineInput(lineId = "1", sku = "MUG", quantity = 1uL, expectedDate = "next week"))), AT)
            }
            assertThrows<OmsFfiException.Validation> {
                engine.defineSupplier(Supplier(supplierId = "X", name = "X", currency = "usd", leadTimeDays = 1u), AT)
            }
        }
    }
}
