"""The analysis screen: pooled estimate, moderators, forest, funnel and PRISMA pictures, export."""
