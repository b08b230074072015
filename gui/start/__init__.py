"""The start screen: open or create a review, recent reviews, the demo, who am I."""
