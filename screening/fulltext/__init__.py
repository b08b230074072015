"""Full texts of the review: PDFs read and checked (`pdf`), stored and attached to records (`store`), and a
folder of PDFs matched to records (`matching`). No Qt here; rendering pages is the GUI's business."""
