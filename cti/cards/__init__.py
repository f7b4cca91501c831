"""Member-card readers: a card tapped at a desk pops its member on that desk's consoles."""
